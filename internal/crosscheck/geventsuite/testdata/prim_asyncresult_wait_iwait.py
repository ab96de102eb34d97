# gevent.wait works on events and async results: readiness order.
import gevent
from gevent.event import Event, AsyncResult
e = Event(); a = AsyncResult()
gevent.spawn_later(0.02, e.set)
gevent.spawn_later(0.01, a.set, 1)
done = gevent.wait([e, a])
print(["event" if x is e else "result" for x in done])
