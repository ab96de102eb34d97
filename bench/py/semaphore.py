"""Two greenlets contend a Semaphore(1), sleeping 0 while holding it; per acquire."""
import gevent
from gevent.lock import Semaphore

import benchlib


def run():
    k = benchlib.n(50000)
    sem = Semaphore(1)

    def worker():
        for _ in range(k):
            with sem:
                gevent.sleep(0)

    t0 = benchlib.now_ns()
    gevent.joinall([gevent.spawn(worker), gevent.spawn(worker)])
    benchlib.emit("semaphore", "ns/op", (benchlib.now_ns() - t0) / (2 * k))


run()
