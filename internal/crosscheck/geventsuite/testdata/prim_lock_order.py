# a lock (BoundedSemaphore(1)) serialises greenlets in arrival order.
import gevent
from gevent.lock import BoundedSemaphore
l = BoundedSemaphore(1)
def w(n):
    with l:
        print("in", n)
        gevent.sleep(0)
        print("out", n)
gevent.joinall([gevent.spawn(w, n) for n in "abc"])
try:
    l.release()
except ValueError:
    print("release unlocked: error")
