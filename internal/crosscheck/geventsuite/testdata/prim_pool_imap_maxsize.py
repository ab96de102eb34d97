# imap(maxsize=n) spawns at most n items ahead of the result the reader asks
# for: a slow reader holds the spawning back, even on a Group whose spawn
# never waits; imap_unordered the same, and on a Pool the smaller bound wins.
import gevent
from gevent.pool import Group, Pool

def f(x):
    print("start", x)
    gevent.sleep(0)
    return x

g = Group()
for v in g.imap(f, range(5), maxsize=1):
    print("got", v)
    gevent.sleep(0.001)
print("unordered")
for v in g.imap_unordered(f, range(5), maxsize=2):
    print("got", v)
    gevent.sleep(0.001)
print("pool")
p = Pool(1)
for v in p.imap(f, range(4), maxsize=3):
    print("got", v)
    gevent.sleep(0.001)
print("len", len(g), len(p))
