# Inside a spawned greenlet getcurrent() is that Greenlet; in main it is not a Greenlet.
import gevent

def f():
    return gevent.getcurrent() is g

g = gevent.spawn(f)
print("main", isinstance(gevent.getcurrent(), gevent.Greenlet))
print("inside is self", g.get())
