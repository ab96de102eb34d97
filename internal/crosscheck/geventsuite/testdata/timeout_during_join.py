# A Timeout that interrupts a join unlinks the joiner: when the joined greenlet dies later it does not
# wake the joiner out of its next, unrelated sleep.
import gevent
from gevent import Timeout

def g2():
    gevent.sleep(0.15)
    print("g2 done")

def g1(other):
    try:
        with Timeout(0.05):
            other.join()
    except Timeout:
        print("g1 timeout")
    gevent.sleep(0.25)
    print("g1 woke")

b = gevent.spawn(g2)
a = gevent.spawn(g1, b)
gevent.sleep(0.2)
print("main 40")
gevent.joinall([a, b])
print("done")
