# kill(block=False) of a spawned greenlet that never ran still kills it at once (no hub turn needed).
import gevent

g = gevent.spawn(lambda: print("not reached"))
g.kill(block=False)
print("dead", g.dead, "ready", g.ready())
gevent.sleep(0)
print("done")
