# two releases wake two waiters, one release one waiter.
import gevent
from gevent.lock import Semaphore
s = Semaphore(0)
def w(n):
    s.acquire()
    print("acquired", n)
gs = [gevent.spawn(w, n) for n in "abc"]
gevent.sleep(0)
s.release(); s.release()
gevent.sleep(0)
print("after two releases", [g.ready() for g in gs])
s.release()
gevent.joinall(gs)
print("counter", s.counter)
