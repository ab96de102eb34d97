# Deleting a gevent.local attribute removes the calling greenlet's value only: reading it
# finds nothing until it is set again, and other greenlets keep theirs.
import gevent
from gevent.local import local

loc = local()
other = local()


def show(tag):
    print(tag, getattr(loc, "x", None), getattr(other, "x", None))


loc.x = 1
other.x = "o"
del loc.x
show("main after del")
loc.x = 2


def worker(name):
    loc.x = name
    show(name + " set")
    gevent.sleep(0)
    del loc.x
    show(name + " after del")
    gevent.sleep(0)
    loc.x = name + "-again"
    show(name + " set again")


gevent.joinall([gevent.spawn(worker, "a"), gevent.spawn(worker, "b")])
show("main at end")
