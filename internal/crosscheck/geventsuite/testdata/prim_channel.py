# Channel: put waits for a getter; pairs made in order.
import gevent
from gevent.queue import Channel
c = Channel()
def p(n):
    c.put(n)
    print("put returned", n)
def g(n):
    print("get", n, c.get())
gs = [gevent.spawn(p, "x"), gevent.spawn(p, "y"), gevent.spawn(g, 1), gevent.spawn(g, 2)]
gevent.joinall(gs)
