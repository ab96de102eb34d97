# Group: members leave when they finish; join waits; kill kills all.
import gevent
from gevent.pool import Group
g = Group()
a = g.spawn(gevent.sleep, 0.001)
b = g.spawn(gevent.sleep, 10)
print("len", len(g))
gevent.sleep(0.05)
print("len after a", len(g), a in g, b in g)
print("join timeout", g.join(timeout=0.01))
g.kill()
print("len after kill", len(g), "b dead", b.dead)
print("join", g.join())
