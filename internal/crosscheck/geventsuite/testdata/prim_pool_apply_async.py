# apply_async never blocks: with a free slot it returns fn's greenlet, a member,
# and the callback runs from its link; on a full pool it returns an untracked
# greenlet that waits for a slot, applies fn and spawns the callback; a failure
# skips the callback.
import gevent
from gevent.pool import Pool, Group

p = Pool(1)

def f(x):
    print("run", x)
    gevent.sleep(0.001)
    print("done", x)
    return x * 2

def cb(v):
    print("callback", v)

g1 = p.apply_async(f, (1,), callback=cb)
print("g1 member", g1 in p, "free", p.free_count())
g2 = p.apply_async(f, (2,), callback=cb)
print("g2 member", g2 in p, "len", len(p))
print("g1 get", g1.get())
print("g2 get", g2.get())
p.join()
print("len", len(p))

def bad():
    print("run bad")
    raise ValueError("boom")

g3 = p.apply_async(bad, callback=cb)
g3.join()
print("g3 successful", g3.successful(), g3.exception)
g = Group()
g4 = g.apply_async(f, (4,))
print("g4 member", g4 in g)
print("g4 get", g4.get())
gevent.sleep(0.01)
print("end")
