# A Waiter.get() in main with nothing else pending raises LoopExit; after spawning a greenlet that
# schedules waiter.switch on the hub (Waiter.switch is hub-only), the same kind of get works.
import gevent
from gevent.exceptions import LoopExit
from gevent._waiter import Waiter

loop = gevent.get_hub().loop
w = Waiter()
try:
    w.get()
except LoopExit:
    print("LoopExit")
w2 = Waiter()
gevent.spawn(lambda: loop.run_callback(w2.switch, "hello"))
print("got", w2.get())
