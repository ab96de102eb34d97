# Waiter.switch before get stores the value: ready() turns True and get() returns it without blocking;
# throw() stores an exception that get() raises.
import gevent
from gevent._waiter import Waiter

loop = gevent.get_hub().loop
w = Waiter()
print("ready", w.ready())
loop.run_callback(w.switch, 7)
gevent.sleep(0)
print("ready", w.ready())
print("get", w.get())
w2 = Waiter()
loop.run_callback(w2.throw, KeyError("k"))
gevent.sleep(0)
try:
    w2.get()
except KeyError as e:
    print("KeyError", e.args[0])
