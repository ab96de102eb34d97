# Event.set wakes waiters in the order they waited, from one hub callback; set does not switch.
import gevent
from gevent.event import Event
e = Event()
def w(n):
    print("wait", n, e.wait())
gs = [gevent.spawn(w, n) for n in "abc"]
gevent.sleep(0)
e.set()
print("set returned")
gevent.joinall(gs)
