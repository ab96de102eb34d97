# iwait with a timeout stops yielding when the timeout expires; already-ready objects come first.
import gevent

def f(n, d):
    gevent.sleep(d)
    return n

gs = [gevent.spawn(f, "a", 1.0), gevent.spawn(f, "b", 0.05), gevent.spawn(f, "c", 0)]
gevent.sleep(0.025)
print("c ready", gs[2].ready())
for g in gevent.iwait(gs, timeout=0.25):
    print("iwait", g.value)
print("after iwait")
gevent.killall(gs)
