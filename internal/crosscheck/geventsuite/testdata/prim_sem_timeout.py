# acquire(timeout) returns False; acquire(blocking=False) returns False at once; counter unchanged.
import gevent
from gevent.lock import Semaphore
s = Semaphore(0)
print("timeout", s.acquire(timeout=0.01), s.counter)
print("nonblock", s.acquire(blocking=False))
print("release", s.release(), "locked", s.locked())
print("acquire", s.acquire(), s.counter)
