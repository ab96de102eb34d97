# started/ready/dead/successful at every point of a greenlet's life.
# (bool(g) is left out: Go has no truthiness for a *Greenlet.)
import gevent

def show(tag, g):
    print(tag, "started", g.started, "ready", g.ready(), "dead", g.dead,
          "successful", g.successful())

def body():
    show("running", me[0])
    gevent.sleep(0.05)
    return 1

g = gevent.Greenlet(body)
me = [g]
show("new", g)
g.start()
show("scheduled", g)
gevent.sleep(0)
show("blocked", g)
g.join()
show("finished", g)
