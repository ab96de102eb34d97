# RLock is reentrant for its owner; another greenlet cannot release it; waiters queue.
import gevent
from gevent.lock import RLock
r = RLock()
r.acquire(); r.acquire()
def other():
    try:
        r.release()
    except RuntimeError:
        print("other release: error")
    print("other acquire", r.acquire(timeout=0.01))
    r.acquire()
    print("other got it")
    r.release()
g = gevent.spawn(other)
gevent.sleep(0.1)
r.release()
gevent.sleep(0)
print("still held, other ready", g.ready())
r.release()
g.join()
try:
    r.release()
except RuntimeError:
    print("main release unheld: error")
