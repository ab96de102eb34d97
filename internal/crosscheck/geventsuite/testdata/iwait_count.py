# iwait(count=N) stops after N objects.
import gevent

def f(n, d):
    gevent.sleep(d)
    return n

gs = [gevent.spawn(f, n, d) for n, d in (("a", 0.1), ("b", 0.05), ("c", 0.15))]
for g in gevent.iwait(gs, count=2):
    print("iwait", g.value)
print("c ready", gs[2].ready())
gevent.joinall(gs)
print("done")
