"""100k one-shot loop timers spread evenly over 10 ms, run until the last fires; per timer."""
import gevent
from gevent.event import Event

import benchlib

TIMERS = 100000


def run():
    rounds = benchlib.n(2)
    loop = gevent.get_hub().loop
    state = {"fired": 0}
    t0 = benchlib.now_ns()
    for _ in range(rounds):
        done = Event()
        state["fired"] = 0

        def cb():
            state["fired"] += 1
            if state["fired"] == TIMERS:
                done.set()

        loop.update_now()
        timers = [loop.timer(0.010 * i / TIMERS) for i in range(TIMERS)]
        for t in timers:
            t.start(cb)
        done.wait()
        for t in timers:
            t.close()
    benchlib.emit("timers_spread", "ns/op", (benchlib.now_ns() - t0) / (rounds * TIMERS))


run()
