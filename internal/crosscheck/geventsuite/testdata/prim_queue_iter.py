# for item in queue / channel: items until the end marker (StopIteration;
# Shutdown in Go) ends the loop cleanly; a kill or an outer Timeout comes out
# of the loop as an exception and leaves no getter behind.
import gevent
from gevent import Timeout
from gevent.queue import Queue, Channel

def left(q):
    # An item put now stays in the queue unless a getter was left behind.
    q.put("x")
    gevent.sleep(0)
    return q.qsize()

def consume(name, src):
    try:
        for v in src:
            print(name, "got", v)
    except gevent.GreenletExit:
        print(name, "GreenletExit out of the loop")
        raise
    print(name, "loop ended")

q = Queue()
a = gevent.spawn(consume, "a", q)
q.put(1)
q.put(2)
q.put(StopIteration)
a.join()
print("a successful", a.successful())

q = Queue()
b = gevent.spawn(consume, "b", q)
q.put(3)
gevent.sleep(0)
gevent.sleep(0)
b.kill()
print("b successful", b.successful(), "left", left(q))

c = Channel()
d = gevent.spawn(consume, "d", c)
c.put(4)
c.put(StopIteration)
d.join()
print("d successful", d.successful(), "balance", c.balance)

c = Channel()
e = gevent.spawn(consume, "e", c)
c.put(5)
gevent.sleep(0)
e.kill()
print("e successful", e.successful(), "balance", c.balance)

q = Queue()
q.put(6)
try:
    with Timeout(0.01):
        for v in q:
            print("main got", v)
        print("main loop ended")
except Timeout:
    print("Timeout out of the loop, left", left(q))
