"""One zero-delay loop timer re-armed from its own callback, N times."""
import gevent
from gevent.event import Event

import benchlib

count = 0


def run():
    n = benchlib.n(100000)
    loop = gevent.get_hub().loop
    done = Event()
    t = loop.timer(0)

    def cb():
        global count
        count += 1
        if count < n:
            t.start(cb)
        else:
            done.set()

    t0 = benchlib.now_ns()
    t.start(cb)
    done.wait()
    benchlib.emit("timer_chain", "ns/op", (benchlib.now_ns() - t0) / n)


run()
