# killone kills a member and waits for it (it has left the group then);
# killone of a dead greenlet or of a non-member does nothing; block=False
# returns at once; a timeout gives up while the member still runs.
import gevent
from gevent import GreenletExit
from gevent.pool import Group


class Stop(Exception):
    pass


def worker(n):
    try:
        gevent.sleep(10)
    except GreenletExit:
        print("killed", n)
        raise


def stubborn():
    try:
        gevent.sleep(10)
    except GreenletExit:
        print("caught")
    gevent.sleep(0.05)
    print("stubborn done")


g = Group()
a = g.spawn(worker, "a")
b = g.spawn(worker, "b")
gevent.sleep(0)
g.killone(a)
print("a dead", a.dead, "len", len(g), "a in g", a in g)
g.killone(a)
print("again len", len(g))
outsider = gevent.spawn(worker, "outsider")
gevent.sleep(0)
g.killone(outsider)
print("outsider dead", outsider.dead)
g.killone(b, block=False)
print("b dead", b.dead, "len", len(g))
b.join()
print("b dead", b.dead, "len", len(g))
outsider.kill()
c = g.spawn(worker, "c")
gevent.sleep(0)
g.killone(c, Stop("now"))
print("c", c.dead, c.successful(), c.exception)
s = g.spawn(stubborn)
gevent.sleep(0)
g.killone(s, timeout=0.005)
print("after timeout", s.dead, s in g)
s.join()
print("after join", s.dead, s in g, len(g))
