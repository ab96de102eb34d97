# Channel put/get time out with Full/Empty; non-blocking put with a waiting getter succeeds.
import gevent
from gevent.queue import Channel, Empty, Full
c = Channel()
try:
    c.put(1, timeout=0.01)
except Full:
    print("put Full")
try:
    c.get(timeout=0.01)
except Empty:
    print("get Empty")
g = gevent.spawn(c.get)
gevent.sleep(0)
c.put(5, block=False)
print("got", g.get())
