# unlink removes a callback before the greenlet dies; the others still run.
import gevent

def cb1(x):
    print("cb1")

def cb2(x):
    print("cb2")

g = gevent.spawn(lambda: None)
g.link(cb1)
g.link(cb2)
g.unlink(cb1)
g.join()
gevent.sleep(0)
print("has links", g.has_links())
g.unlink(cb1)
print("done")
