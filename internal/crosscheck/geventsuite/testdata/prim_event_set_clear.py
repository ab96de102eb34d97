# set then clear before the waiters run: they still wake, and wait() returns True.
import gevent
from gevent.event import Event
e = Event()
def w(n):
    print("wait", n, e.wait(), "is_set", e.is_set())
gs = [gevent.spawn(w, n) for n in "ab"]
gevent.sleep(0)
e.set()
e.clear()
gevent.joinall(gs)
