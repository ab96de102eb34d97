# A gevent.local subclass's __init__ (Local's New) runs once in every greenlet that
# reads the local, the constructing one at construction, and not again on later reads.
# Values do not outlive their greenlet: a greenlet spawned after another ended starts
# with the initializer again, raw greenlets and the hub greenlet included.
import gevent
from gevent.hub import Hub
from gevent.local import local

hub = gevent.get_hub()


def who():
    cur = gevent.getcurrent()
    if isinstance(cur, gevent.Greenlet):
        return cur.name
    if isinstance(cur, Hub):
        return "hub"
    if cur.parent is None:
        return "main"
    return "raw"


class Counter(local):
    def __init__(self, start):
        print("init in", who())
        self.n = start


loc = Counter(10)
print("main reads", loc.n)
loc.n += 1
print("main reads again", loc.n)


def bump():
    print(who(), "reads", loc.n)
    loc.n += 5
    print(who(), "now", loc.n)
    gevent.sleep(0)
    print(who(), "after sleep", loc.n)


def named(name, fn):
    g = gevent.Greenlet(fn)
    g.name = name
    g.start()
    return g


g1 = named("g1", bump)
g2 = named("g2", bump)
gevent.joinall([g1, g2])
g3 = named("g3", bump)
g3.join()
print("g3 after g1 and g2 ended")
g4 = named("g4", bump)
g4.join()
r = gevent.spawn_raw(bump)
gevent.sleep(0.01)


def cb():
    print(who(), "reads", loc.n)
    loc.n += 100


hub.loop.run_callback(cb)
hub.loop.run_callback(cb)
gevent.sleep(0)
print("main at end", loc.n)
