# gevent.wait with a timeout returns what is ready by then; no exception.
import gevent

def f(n, d):
    gevent.sleep(d)
    return n

gs = [gevent.spawn(f, "a", 1.0), gevent.spawn(f, "b", 0.05)]
ready = gevent.wait(gs, timeout=0.25)
print("ready", [g.value for g in ready])
ready = gevent.wait(gs, timeout=0)
print("ready0", [g.value for g in ready])
gevent.killall(gs)
print("killed", [g.dead for g in gs])
