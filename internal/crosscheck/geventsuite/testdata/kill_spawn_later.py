# Killing a spawn_later greenlet before its delay: its timer is cancelled, the body never runs,
# and its links still run.
import gevent

def f():
    print("not reached")

g = gevent.spawn_later(0.05, f)
g.link(lambda x: print("link ran"))
g.kill()
print("dead", g.dead, "started", g.started)
gevent.sleep(0.15)
print("done")
