# wait(count=N) with N larger than the number of objects returns when all of them are ready.
import gevent

gs = [gevent.spawn(gevent.sleep, d) for d in (0.05, 0.1)]
ready = gevent.wait(gs, count=5)
print("ready", len(ready), [g.ready() for g in gs])
