"""Pool(100).map of a trivial function over 100k items; per item."""
from gevent.pool import Pool

import benchlib


def double(x):
    return 2 * x


def run():
    n = benchlib.n(15000)
    items = range(n)
    t0 = benchlib.now_ns()
    out = Pool(100).map(double, items)
    elapsed = benchlib.now_ns() - t0
    assert len(out) == n and out[-1] == 2 * (n - 1)
    benchlib.emit("pool_map", "ns/op", elapsed / n)


run()
