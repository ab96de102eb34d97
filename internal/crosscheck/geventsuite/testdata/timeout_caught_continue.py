# A greenlet that catches its Timeout carries on and can block again.
import gevent
from gevent import Timeout

def f():
    t = Timeout.start_new(0.05)
    try:
        gevent.sleep(0.25)
    except Timeout:
        print("caught")
    gevent.sleep(0.05)
    print("continues")
    return "done"

g = gevent.spawn(f)
print("value", g.get())
