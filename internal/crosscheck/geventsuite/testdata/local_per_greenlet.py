# gevent.local: every greenlet has its own value. A spawned greenlet does not see its
# spawner's value, main keeps its own, run_callback callbacks and rawlinks run in the
# hub greenlet and share its value, a link callback runs in a fresh greenlet of its own.
import gevent
from gevent.local import local

loc = local()
hub = gevent.get_hub()


def show(tag):
    print(tag, getattr(loc, "x", None))


def child(tag):
    show(tag + " sees")
    loc.x = tag
    show(tag + " set")


def worker(n):
    me = "w%d" % n
    show(me + " start")
    loc.x = me
    gevent.spawn(child, me + "-child")
    gevent.sleep(0)
    show(me + " after sleep")


def named(name, fn, *args):
    g = gevent.Greenlet(fn, *args)
    g.name = name
    g.start()
    return g


show("main before set")
loc.x = "main"
a = named("w1", worker, 1)
b = named("w2", worker, 2)
gevent.joinall([a, b])
show("main after join")


def cb1():
    show("callback 1")
    loc.x = "hub"


hub.loop.run_callback(cb1)
hub.loop.run_callback(show, "callback 2")
gevent.sleep(0)
a.rawlink(lambda g: show("rawlink"))
a.link(lambda g: show("link"))
gevent.sleep(0)
gevent.sleep(0)
show("main at end")
