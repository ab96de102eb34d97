# A Timeout can be started again after it fired or was cancelled; start() on a pending one raises.
import gevent
from gevent import Timeout

t = Timeout(0.05)
for i in range(2):
    t.start()
    try:
        gevent.sleep(0.25)
    except Timeout:
        print("fired", i)
t.start()
try:
    t.start()
except AssertionError:
    print("start while pending: AssertionError")
t.cancel()
print("pending", t.pending)
