# with Timeout(d, False): the expiry is swallowed silently at the end of the block.
import gevent
from gevent import Timeout

with Timeout(0.05, False):
    gevent.sleep(0.25)
    print("not reached")
print("after block")
