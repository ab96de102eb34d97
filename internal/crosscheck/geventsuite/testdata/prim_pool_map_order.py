# map returns results in input order whatever the finishing order.
import gevent
from gevent.pool import Pool
p = Pool(3)
def f(x):
    gevent.sleep(0.001 * (5 - x))
    return x * 10
print("map", p.map(f, range(5)))
