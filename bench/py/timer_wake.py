"""A greenlet woken by a zero-delay loop timer through the hub, N times:
gevent's hub.wait(loop.timer(0))."""
import gevent

import benchlib


def run():
    n = benchlib.n(60000)
    hub = gevent.get_hub()
    t = hub.loop.timer(0)
    t0 = benchlib.now_ns()
    for _ in range(n):
        hub.wait(t)
    benchlib.emit("timer_wake", "ns/op", (benchlib.now_ns() - t0) / n)
    t.close()


gevent.spawn(run).join()
