# join(timeout) returns without raising when the time is up; the greenlet still runs.
import gevent

def slow():
    gevent.sleep(0.25)
    return 1

g = gevent.spawn(slow)
r = g.join(timeout=0.05)
print("join returned", r is None, "ready", g.ready())
g.join()
print("ready", g.ready(), g.value)
