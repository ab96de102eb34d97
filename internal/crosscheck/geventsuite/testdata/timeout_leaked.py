# A Timeout started in a greenlet that then finishes without cancelling it: when it expires the
# greenlet is dead and nothing is raised anywhere (main sleeping through it is not disturbed).
import gevent
from gevent import Timeout

def f():
    Timeout.start_new(0.05)
    return "returned"

g = gevent.spawn(f)
print("get", g.get())
try:
    gevent.sleep(0.15)
    print("main undisturbed")
except Timeout:
    print("main got Timeout")
