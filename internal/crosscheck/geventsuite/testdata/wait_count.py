# gevent.wait(objects, count=N) returns once N are ready, in readiness order.
import gevent

def f(n, d):
    gevent.sleep(d)
    return n

gs = [gevent.spawn(f, "a", 0.15), gevent.spawn(f, "b", 0.05), gevent.spawn(f, "c", 0.1)]
ready = gevent.wait(gs, count=2)
print("ready", [g.value for g in ready])
print("a ready", gs[0].ready())
ready = gevent.wait(gs)
print("all", len(ready), sorted(g.value for g in ready))
