# with Timeout(d): raises the Timeout itself inside the block if it expires; it is cancelled on exit.
import gevent
from gevent import Timeout

try:
    with Timeout(0.05) as t:
        gevent.sleep(0.25)
        print("not reached")
except Timeout as e:
    print("Timeout", e is t)

with Timeout(0.25) as t:
    gevent.sleep(0.005)
print("exited, pending", t.pending)
gevent.sleep(0.35)
print("no late fire")
