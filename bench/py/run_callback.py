"""loop.run_callback: batches of 1000 callbacks, drained by the hub; per callback."""
import gevent

import benchlib

BATCH = 1000
count = 0


def cb():
    global count
    count += 1


def run():
    loop = gevent.get_hub().loop
    batches = benchlib.n(2000)
    t0 = benchlib.now_ns()
    for _ in range(batches):
        for _ in range(BATCH):
            loop.run_callback(cb)
        gevent.sleep(0)  # queued behind the batch: resumes once it ran
    elapsed = benchlib.now_ns() - t0
    assert count == batches * BATCH, count
    benchlib.emit("run_callback", "ns/op", elapsed / (batches * BATCH))


run()
