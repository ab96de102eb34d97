# Killing a dead greenlet is a no-op: value and state are unchanged.
import gevent

g = gevent.spawn(lambda: "v")
g.join()
g.kill()
print("dead", g.dead, "value", g.value, "successful", g.successful())
b = gevent.spawn(lambda: 1 / 0)
b.join()
b.kill()
print("bad", type(b.exception).__name__)
