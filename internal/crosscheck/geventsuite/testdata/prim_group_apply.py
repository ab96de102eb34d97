# apply runs in the group and returns the result; discard removes without waiting.
import gevent
from gevent.pool import Group
g = Group()
print("apply", g.apply(lambda: 7))
x = g.spawn(gevent.sleep, 0.01)
g.discard(x)
print("len", len(g), "join", g.join())
x.join()
