"""gevent's threadpool from a greenlet: apply (one call to a worker thread and
back, the greenlet waiting) and spawn (batches of 1000 calls queued at once on
4 workers, then each result collected); per call."""
from gevent.threadpool import ThreadPool

import benchlib

WORKERS = 4
BATCH = 1000


def double(x):
    return 2 * x


def run():
    n = benchlib.n(4000)
    pool = ThreadPool(WORKERS)
    pool.apply(double, (0,))
    t0 = benchlib.now_ns()
    for i in range(n):
        pool.apply(double, (i,))
    benchlib.emit("threadpool_apply", "ns/op", (benchlib.now_ns() - t0) / n)

    rounds = max(1, n // BATCH)
    t0 = benchlib.now_ns()
    for _ in range(rounds):
        results = [pool.spawn(double, i) for i in range(BATCH)]
        for r in results:
            r.get()
    benchlib.emit("threadpool_spawn", "ns/op", (benchlib.now_ns() - t0) / (rounds * BATCH))
    pool.kill()


run()
