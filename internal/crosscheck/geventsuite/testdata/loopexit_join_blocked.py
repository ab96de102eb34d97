# main joins a greenlet that blocks forever on a waiter nobody will switch: LoopExit in main,
# the greenlet stays alive (blocked) and can still be killed.
import gevent
from gevent.exceptions import LoopExit
from gevent._waiter import Waiter

def stuck():
    try:
        Waiter().get()
        print("not reached")
    except gevent.GreenletExit:
        print("stuck killed")
        raise

g = gevent.spawn(stuck)
try:
    g.join()
    print("not reached")
except LoopExit:
    print("LoopExit")
print("dead", g.dead)
g.kill()
print("dead", g.dead)
