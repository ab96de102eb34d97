# get(block=False) on an unready greenlet raises Timeout; after it finishes it returns the value.
import gevent

g = gevent.spawn(lambda: 5)
try:
    g.get(block=False)
except gevent.Timeout:
    print("Timeout")
print("started", g.started, "ready", g.ready())
g.join()
print("get", g.get(block=False))
