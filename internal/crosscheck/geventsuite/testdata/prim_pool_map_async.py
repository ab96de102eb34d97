# map_async returns an untracked greenlet whose value is the list, and calls
# the callback in it before it finishes; a failure skips the callback, a
# failing callback fails the greenlet. map_cb calls the callback in the
# caller; apply_cb applies, then spawns the callback in a greenlet of its own.
import gevent
from gevent.pool import Pool

p = Pool(2)
delays = [0.03, 0.005, 0.015]

def f(x):
    print("run", x)
    gevent.sleep(delays[x])
    print("done", x)
    return x * 10

def cb(v):
    print("callback", v)

g = p.map_async(f, [0, 1, 2], callback=cb)
print("member", g in p, "len", len(p))
print("get", g.get())
print("len", len(p))
print("map_cb", p.map_cb(f, [1, 2], callback=cb))
print("apply_cb", p.apply_cb(f, (2,), callback=cb))
print("after apply_cb")
gevent.sleep(0)
print("apply_cb without callback", p.apply_cb(f, (2,)))

def bad(x):
    if x == 1:
        raise ValueError("boom")
    return x

g = p.map_async(bad, [0, 1, 2], callback=cb)
g.join()
print("failed", g.successful(), g.exception)

def badcb(v):
    print("badcb", v)
    raise ValueError("in callback")

g = p.map_async(bad, [0, 2], callback=badcb)
g.join()
print("callback failed", g.successful(), g.exception)
