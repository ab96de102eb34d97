# with Timeout(d): raises the Timeout itself inside the block if it expires; it is cancelled on exit.
import gevent
from gevent import Timeout

try:
    with Timeout(0.01) as t:
        gevent.sleep(0.05)
        print("not reached")
except Timeout as e:
    print("Timeout", e is t)

with Timeout(0.05) as t:
    gevent.sleep(0.001)
print("exited, pending", t.pending)
gevent.sleep(0.07)
print("no late fire")
