# Timeout.start()/cancel(): a cancelled timeout never fires; pending tracks the timer.
import gevent
from gevent import Timeout

t = Timeout(0.05)
print("pending before start", t.pending)
t.start()
print("pending after start", t.pending)
t.cancel()
print("pending after cancel", t.pending)
gevent.sleep(0.15)
print("no fire")
t2 = Timeout(0.05)
t2.start()
try:
    gevent.sleep(0.25)
    print("not reached")
except Timeout as e:
    print("Timeout", e is t2, "pending", t2.pending)
