# A pending sleep keeps the loop alive: main waits past another greenlet's sleep with no LoopExit.
import gevent
from gevent._waiter import Waiter

loop = gevent.get_hub().loop
w = Waiter()
def waker():
    gevent.sleep(0.1)
    loop.run_callback(w.switch, "woken")
gevent.spawn(waker)
print("got", w.get())
