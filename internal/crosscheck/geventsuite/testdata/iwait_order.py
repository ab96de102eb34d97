# iwait yields objects in the order they become ready.
import gevent

def f(n, d):
    gevent.sleep(d)
    print("finish", n)
    return n

gs = [gevent.spawn(f, "a", 0.15), gevent.spawn(f, "b", 0.05), gevent.spawn(f, "c", 0.1)]
for g in gevent.iwait(gs):
    print("iwait", g.value)
print("done")
