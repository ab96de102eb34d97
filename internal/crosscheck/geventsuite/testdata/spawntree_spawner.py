# spawning_greenlet: a Greenlet remembers the greenlet that created it. Go's
# SpawningGreenlet answers with the spawner when it is a gevent Greenlet and nil
# otherwise, so the compared line prints None for main, the hub (a callback), a raw
# greenlet and a link callback's greenlet; the "#" note says which one gevent gives.
# A greenlet's spawner stays known while it runs, after the spawner finished too (the
# script keeps every spawner referenced: gevent holds a weak reference). Once the
# greenlet itself finished, Go's answer is nil while gevent's is still the spawner: the
# compared lines read it only while the greenlet runs.
import gevent
from gevent.hub import Hub

hub = gevent.get_hub()


def kind(g):
    if g is None:
        return "None"
    if isinstance(g, gevent.Greenlet):
        return g.name
    if isinstance(g, Hub):
        return "hub"
    if g.parent is None:
        return "main"
    return "raw"


def spawner_of(g):
    s = g.spawning_greenlet()
    if isinstance(s, gevent.Greenlet):
        return s.name
    print("# gevent's spawner of", g.name, "is", kind(s))
    return None


def named(name, fn, *args):
    g = gevent.Greenlet(fn, *args)
    g.name = name
    g.start()
    return g


def report():
    me = gevent.getcurrent()
    print(me.name, "spawned by", spawner_of(me))


def leaf():
    report()


def middle():
    report()
    c = named("c", leaf)
    keep.append(c)
    print("b made c, c's spawner", spawner_of(c))
    later = gevent.Greenlet(leaf)
    later.name = "later"
    later.start_later(0.005)
    print("b ends before its children run")


keep = []


def top():
    report()
    b = named("b", middle)
    keep.append(b)
    b.join()
    print("a after b ended")


a = named("a", top)
a.join()
gevent.sleep(0.01)
print("# after c finished gevent still gives its spawner:", kind(keep[1].spawning_greenlet()))

keep.append(gevent.spawn_raw(lambda: named("from-raw", leaf)))
hub.loop.run_callback(lambda: named("from-callback", leaf))
done = gevent.spawn(lambda: None)
done.link(lambda g: named("from-link", leaf))
done.rawlink(lambda g: named("from-rawlink", leaf))
gevent.sleep(0.01)
print("done")
