# Timeout(None) never fires; start_new(None) is a no-op timer.
import gevent
from gevent import Timeout

with Timeout(None) as t:
    gevent.sleep(0.1)
    print("pending", t.pending)
print("no fire")
t2 = Timeout.start_new(None)
gevent.sleep(0.05)
print("pending", t2.pending)
t2.cancel()
