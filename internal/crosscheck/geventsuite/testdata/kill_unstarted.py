# Killing a greenlet that never ran: its function never runs, and it is dead at once.
import gevent

def f():
    print("not reached")

g = gevent.spawn(f)
print("started", g.started, "dead", g.dead)
g.kill()
print("started", g.started, "dead", g.dead, "ready", g.ready(), "successful", g.successful())
print("value", type(g.value).__name__)
gevent.sleep(0.05)
n = gevent.Greenlet(f)
n.kill()
print("never-started dead", n.dead, "ready", n.ready(), type(n.value).__name__)
