"""Queue(maxsize=128): a producer greenlet puts N items, a consumer gets them; per item."""
import gevent
from gevent.queue import Queue

import benchlib


def run():
    n = benchlib.n(1000000)
    q = Queue(maxsize=128)

    def producer():
        for i in range(n):
            q.put(i)

    def consumer():
        for _ in range(n):
            q.get()

    t0 = benchlib.now_ns()
    gevent.joinall([gevent.spawn(producer), gevent.spawn(consumer)])
    benchlib.emit("queue_prodcons", "ns/op", (benchlib.now_ns() - t0) / n)


run()
