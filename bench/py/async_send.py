"""Another thread wakes the hub's loop with async_.send() and waits until the
loop's callback acknowledges on a threading.Semaphore; per round trip."""
import threading

import gevent
from gevent.event import Event

import benchlib


def run():
    n = benchlib.n(8000)
    loop = gevent.get_hub().loop
    ack = threading.Semaphore(0)
    done = Event()
    state = {"count": 0}
    watcher = loop.async_()

    def cb():
        state["count"] += 1
        ack.release()
        if state["count"] >= n:
            done.set()

    watcher.start(cb)

    def sender():
        for _ in range(n):
            watcher.send()
            ack.acquire()

    t0 = benchlib.now_ns()
    th = threading.Thread(target=sender)
    th.start()
    done.wait()
    th.join()
    benchlib.emit("async_send", "ns/op", (benchlib.now_ns() - t0) / n)


run()
