# release schedules the wake-up: a newcomer that acquires before the callback takes it; the waiter keeps waiting.
import gevent
from gevent.lock import Semaphore
s = Semaphore(1)
s.acquire()
def w():
    s.acquire()
    print("waiter acquired")
g = gevent.spawn(w)
gevent.sleep(0)
s.release()
print("newcomer", s.acquire(blocking=False))
gevent.sleep(0)
print("waiter ready", g.ready())
s.release()
g.join()
print("waiter done", g.ready())
