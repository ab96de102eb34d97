"""Channel rendezvous: a producer greenlet puts N items into a gevent.queue.Channel; per item."""
import gevent
from gevent.queue import Channel

import benchlib


def run():
    n = benchlib.n(100000)
    ch = Channel()

    def producer():
        for i in range(n):
            ch.put(i)

    def consumer():
        for _ in range(n):
            ch.get()

    t0 = benchlib.now_ns()
    gevent.joinall([gevent.spawn(producer), gevent.spawn(consumer)])
    benchlib.emit("channel", "ns/op", (benchlib.now_ns() - t0) / n)


run()
