# Group.start adds an unstarted greenlet and starts it; Pool.start waits for a
# free slot first, and start(blocking=False) on a full pool raises PoolFull
# without starting the greenlet.
import gevent
from gevent.pool import Group, Pool, PoolFull


def job(n):
    print("run", n)
    gevent.sleep(0.002)
    print("done", n)
    return n


g = Group()
x = gevent.Greenlet(job, "x")
print("before", x in g, bool(x))
g.start(x)
print("started", x in g, bool(x), len(g))
g.join()
print("joined", x.value, len(g))
p = Pool(1)
y = gevent.Greenlet(job, "y")
z = gevent.Greenlet(job, "z")
w = gevent.Greenlet(job, "w")
p.start(y)
print("y", y in p, "full", p.full())
try:
    p.start(w, blocking=False)
except PoolFull:
    print("PoolFull", w in p, bool(w))
p.start(z)
print("z", z in p, "y dead", y.dead)
p.join()
print("len", len(p), "free", p.free_count())
