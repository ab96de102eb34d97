"""N activations of one loop idle watcher."""
import gevent
from gevent.event import Event

import benchlib


def run():
    n = benchlib.n(100000)
    loop = gevent.get_hub().loop
    done = Event()
    state = {"count": 0}
    w = loop.idle()

    def cb():
        state["count"] += 1
        if state["count"] >= n:
            w.stop()
            done.set()

    t0 = benchlib.now_ns()
    w.start(cb)
    done.wait()
    benchlib.emit("idle", "ns/op", (benchlib.now_ns() - t0) / n)


run()
