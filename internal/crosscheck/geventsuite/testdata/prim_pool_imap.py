# imap yields in input order; imap_unordered in finishing order.
import gevent
from gevent.pool import Pool
p = Pool(4)
def f(x):
    gevent.sleep(0.003 * (4 - x))
    return x
print("imap", list(p.imap(f, range(4))))
print("unordered", list(p.imap_unordered(f, range(4))))
