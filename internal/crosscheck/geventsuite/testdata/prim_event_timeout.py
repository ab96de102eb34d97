# wait(timeout) returns False when the time is up; a later set is seen by a new wait.
import gevent
from gevent.event import Event
e = Event()
print("wait", e.wait(0.01))
gevent.spawn_later(0.01, e.set)
print("wait", e.wait(1))
print("wait0", Event().wait(0))
