"""sleep(0) round-robin over 1000 greenlets; per sleep(0)."""
import gevent

import benchlib

GREENLETS = 1000


def worker(k):
    for _ in range(k):
        gevent.sleep(0)


def run():
    k = benchlib.n(200)
    t0 = benchlib.now_ns()
    gevent.joinall([gevent.spawn(worker, k) for _ in range(GREENLETS)])
    benchlib.emit("sleep0_rr", "ns/op", (benchlib.now_ns() - t0) / (k * GREENLETS))


run()
