# adding to a full pool without blocking raises PoolFull.
import gevent
from gevent.pool import Pool, PoolFull
p = Pool(1)
p.spawn(gevent.sleep, 0.01)
try:
    p.add(gevent.Greenlet(gevent.sleep, 0), blocking=False)
except PoolFull:
    print("PoolFull")
p.join()
print("empty", len(p))
