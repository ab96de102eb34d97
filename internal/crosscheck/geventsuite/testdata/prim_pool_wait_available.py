# wait_available returns the number of free slots, waiting for one while the
# pool is full; when its timeout expires first it returns 0. free_count counts
# the free slots, 1 for an unbounded Pool; Pool(0) never has one; a Group is
# never full.
import gevent
from gevent.pool import Group, Pool

p = Pool(2)
print("free", p.free_count(), "wait", p.wait_available())
p.spawn(gevent.sleep, 0.02)
print("free", p.free_count(), "wait", p.wait_available())
p.spawn(gevent.sleep, 0.2)
print("free", p.free_count(), "full", p.full())
print("wait timeout", p.wait_available(timeout=0.001))
print("wait", p.wait_available(), "len", len(p), "free", p.free_count())
p.join()
print("free", p.free_count())
u = Pool()
for i in range(3):
    u.spawn(gevent.sleep, 0)
print("unbounded free", u.free_count(), "wait", u.wait_available(), "full", u.full(), "len", len(u))
u.join()
z = Pool(0)
print("zero free", z.free_count(), "full", z.full(), "wait", z.wait_available(timeout=0.001))
g = Group()
g.spawn(gevent.sleep, 0)
print("group full", g.full())
g.join()
