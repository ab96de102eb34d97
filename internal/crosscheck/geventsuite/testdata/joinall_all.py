# joinall waits for every greenlet and returns them all (in the order given).
import gevent

def f(n, d):
    gevent.sleep(d)
    print("finish", n)
    return n

gs = [gevent.spawn(f, "a", 0.1), gevent.spawn(f, "b", 0.05), gevent.spawn(f, "c", 0)]
done = gevent.joinall(gs)
print("done", [g.value for g in done])
print("ready", [g.ready() for g in gs])
