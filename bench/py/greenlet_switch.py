"""Raw greenlet switch: main and one greenlet switch back and forth; per round trip."""
from greenlet import getcurrent, greenlet

import benchlib

main = getcurrent()


def body():
    while True:
        main.switch()


def run():
    n = benchlib.n(500000)
    g = greenlet(body)
    g.switch()
    t0 = benchlib.now_ns()
    for _ in range(n):
        g.switch()
    benchlib.emit("greenlet_switch", "ns/op", (benchlib.now_ns() - t0) / n)
    g.throw()


run()
