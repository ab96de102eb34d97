# Semaphore waiters acquire in the order they waited.
import gevent
from gevent.lock import Semaphore
s = Semaphore(1)
def w(n):
    s.acquire()
    print("acquired", n)
    gevent.sleep(0.001)
    s.release()
s.acquire()
gs = [gevent.spawn(w, n) for n in "abcd"]
gevent.sleep(0)
print("release")
s.release()
gevent.joinall(gs)
