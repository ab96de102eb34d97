# Greenlet.add_spawn_callback: the callback is called in the spawner, before the new
# greenlet is scheduled (started is False there), once per greenlet started with spawn,
# start (a second start does nothing) or spawn_later, from main or from a greenlet; never
# for spawn_raw. remove_spawn_callback stops it.
import gevent
from gevent.hub import Hub


def who():
    cur = gevent.getcurrent()
    if isinstance(cur, gevent.Greenlet):
        return cur.name
    if isinstance(cur, Hub):
        return "hub"
    if cur.parent is None:
        return "main"
    return "raw"


count = [0]


def on_spawn(g):
    count[0] += 1
    g.name = "s%d" % count[0]
    print("callback names", g.name, "in", who(), "started", g.started)


def body(tag):
    print("run", tag, "as", who())


def spawner():
    print("spawner runs as", who())
    gevent.spawn(body, "from spawner")
    print("spawner spawned")


def raw():
    print("raw runs")
    gevent.spawn(body, "from raw")


gevent.Greenlet.add_spawn_callback(on_spawn)
a = gevent.spawn(body, "a")
b = gevent.Greenlet(spawner)
print("created b, callbacks so far", count[0])
b.start()
b.start()
c = gevent.spawn_later(0.01, body, "c")
gevent.spawn_raw(raw)
gevent.get_hub().loop.run_callback(lambda: gevent.spawn(body, "from callback"))
print("main spawned, a started", a.started, "callbacks", count[0])
gevent.joinall([a, b, c])
gevent.sleep(0.01)
gevent.Greenlet.remove_spawn_callback(on_spawn)
gevent.Greenlet.remove_spawn_callback(on_spawn)
gevent.spawn(print, "run d, not named").join()
print("callbacks at end", count[0])
