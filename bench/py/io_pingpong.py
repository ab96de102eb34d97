"""One byte bounced over a socketpair by two loop io watchers; per round trip."""
import os
import socket

import gevent
from gevent.event import Event

import benchlib


def run():
    n = benchlib.n(20000)
    loop = gevent.get_hub().loop
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    fa, fb = a.fileno(), b.fileno()
    done = Event()
    state = {"count": 0}
    ping = loop.io(fa, 1)
    echo = loop.io(fb, 1)

    def on_echo():
        os.write(fb, os.read(fb, 1))

    def on_ping():
        data = os.read(fa, 1)
        state["count"] += 1
        if state["count"] >= n:
            ping.stop()
            echo.stop()
            done.set()
            return
        os.write(fa, data)

    ping.start(on_ping)
    echo.start(on_echo)
    t0 = benchlib.now_ns()
    os.write(fa, b"x")
    done.wait()
    benchlib.emit("io_pingpong", "ns/op", (benchlib.now_ns() - t0) / n)


run()
