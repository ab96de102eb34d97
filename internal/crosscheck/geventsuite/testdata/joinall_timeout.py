# joinall with a timeout returns only the greenlets that finished in time; no exception.
import gevent

def f(n, d):
    gevent.sleep(d)
    return n

gs = [gevent.spawn(f, "fast", 0.05), gevent.spawn(f, "slow", 1.0), gevent.spawn(f, "mid", 0.1)]
done = gevent.joinall(gs, timeout=0.5)
print("done", sorted(g.value for g in done))
print("slow ready", gs[1].ready())
gevent.killall(gs)
print("slow dead", gs[1].dead)
