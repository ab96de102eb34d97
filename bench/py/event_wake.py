"""An Event waking 10k waiting greenlets: from set() until the last has run; per waiter."""
import gevent
from gevent.event import Event

import benchlib

WAITERS = 10000


def run():
    rounds = benchlib.n(1)
    total = 0
    for _ in range(rounds):
        ev = Event()
        done = Event()
        state = {"left": WAITERS}

        def waiter():
            ev.wait()
            state["left"] -= 1
            if state["left"] == 0:
                done.set()

        gs = [gevent.spawn(waiter) for _ in range(WAITERS)]
        gevent.sleep(0)  # every waiter runs up to ev.wait() first
        t0 = benchlib.now_ns()
        ev.set()
        done.wait()
        total += benchlib.now_ns() - t0
        gevent.joinall(gs)
    benchlib.emit("event_wake", "ns/op", total / (rounds * WAITERS))


run()
