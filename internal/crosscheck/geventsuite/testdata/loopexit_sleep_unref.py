# A sleep with ref=False does not keep the loop alive: main's wait gets LoopExit while the
# sleeper still sleeps; once main sleeps itself (a ref'd timer), the sleeper wakes and ends.
import gevent
from gevent.exceptions import LoopExit
from gevent._waiter import Waiter

def sleeper():
    print("sleeper sleeps")
    gevent.sleep(0.05, ref=False)
    print("sleeper woke")
g = gevent.spawn(sleeper)
w = Waiter()
try:
    w.get()
    print("not reached")
except LoopExit:
    print("LoopExit")
print("sleeper dead", g.dead)
gevent.sleep(0.2)
print("sleeper dead", g.dead)
