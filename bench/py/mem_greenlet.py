"""Memory per suspended raw greenlet: RSS growth for 100k greenlets each
switched into once and parked back in main."""
import gc

from greenlet import getcurrent, greenlet

import benchlib

main = getcurrent()


def body():
    main.switch()


def run():
    n = benchlib.n(30000)
    gc.collect()
    before = benchlib.rss_bytes()
    gs = [greenlet(body) for _ in range(n)]
    for g in gs:
        g.switch()
    after = benchlib.rss_bytes()
    benchlib.emit("mem_greenlet", "B/greenlet", (after - before) / n)
    for g in gs:
        g.throw()


run()
