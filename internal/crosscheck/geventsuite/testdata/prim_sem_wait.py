# Semaphore.wait returns the counter without acquiring; wait from several greenlets.
import gevent
from gevent.lock import Semaphore
s = Semaphore(0)
def w(n):
    print("wait", n, s.wait())
gs = [gevent.spawn(w, n) for n in "ab"]
gevent.sleep(0)
s.release()
gevent.joinall(gs)
print("counter", s.counter, "timeout wait", Semaphore(0).wait(0.01))
