# wait on an already-set event returns True at once without switching; after a pending set it waits its turn.
import gevent
from gevent.event import Event
e = Event()
e.set()
gevent.sleep(0)
def other():
    print("other ran")
g = gevent.spawn(other)
print("wait", e.wait())
print("before join")
g.join()
f = Event()
def w():
    print("blocked waiter", f.wait())
g2 = gevent.spawn(w)
gevent.sleep(0)
f.set()
print("late wait", f.wait())
g2.join()
