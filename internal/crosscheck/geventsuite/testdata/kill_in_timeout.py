# Killing a greenlet that sleeps inside a Timeout block: GreenletExit wins, the Timeout is cancelled
# on the way out, and nothing fires later.
import gevent
from gevent import Timeout

def f():
    try:
        with Timeout(0.1):
            gevent.sleep(10)
    except gevent.GreenletExit:
        print("GreenletExit")
        raise
    except Timeout:
        print("Timeout")

g = gevent.spawn(f)
gevent.sleep(0)
g.kill()
gevent.sleep(0.2)
print("done", g.successful())
