# rawlink callbacks run in the order added, before waiters added later, from one callback.
import gevent
from gevent.event import Event
e = Event()
e.rawlink(lambda ev: print("link 1"))
def w():
    e.wait()
    print("waiter")
g = gevent.spawn(w)
gevent.sleep(0)
e.rawlink(lambda ev: print("link 2"))
e.set()
print("set")
gevent.sleep(0)
print("after sleep")
g.join()
e.rawlink(lambda ev: print("link after set"))
print("linked")
gevent.sleep(0)
