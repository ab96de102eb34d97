"""spawn + join: batches of 1000 trivial greenlets spawned then joined; per greenlet."""
import gevent

import benchlib

BATCH = 1000


def noop():
    pass


def run():
    batches = benchlib.n(10)
    t0 = benchlib.now_ns()
    for _ in range(batches):
        gevent.joinall([gevent.spawn(noop) for _ in range(BATCH)])
    benchlib.emit("spawn_join", "ns/op", (benchlib.now_ns() - t0) / (batches * BATCH))


run()
