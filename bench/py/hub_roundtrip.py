"""Hub round trip: one greenlet yields to the hub with sleep(0) N times."""
import gevent

import benchlib


def run():
    n = benchlib.n(200000)
    t0 = benchlib.now_ns()
    for _ in range(n):
        gevent.sleep(0)
    benchlib.emit("hub_roundtrip", "ns/op", (benchlib.now_ns() - t0) / n)


gevent.spawn(run).join()
