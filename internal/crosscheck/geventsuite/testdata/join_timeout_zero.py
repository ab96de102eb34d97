# join(timeout=0) on a greenlet not yet run: does it give the greenlet a turn? Record.
import gevent

g = gevent.spawn(lambda: print("g runs"))
g.join(timeout=0)
print("after join0 ready", g.ready())
g.join()
print("done")
