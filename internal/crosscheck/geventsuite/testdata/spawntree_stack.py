# spawning_stack: where a greenlet was created, innermost frame first: the function that
# called spawn, Greenlet() or spawn_later, then its callers. gevent always records it;
# geventgo does when the hub records spawn stacks (Hub.SetRecordSpawnStacks). Read while
# the greenlet has not finished (Go drops it then; gevent keeps it).
import gevent


def spawnFromHere(fn):
    return gevent.spawn(fn)


def outerCaller(fn):
    return spawnFromHere(fn)


def makeDirect(fn):
    return gevent.Greenlet(fn)


def makeLater(fn):
    return gevent.spawn_later(0.001, fn)


def nothing():
    pass


def frames(g, n):
    names = []
    f = g.spawning_stack
    while f is not None and len(names) < n:
        names.append(f.f_code.co_name)
        f = f.f_back
    return names


def inGreenlet():
    g = spawnFromHere(nothing)
    print("in a greenlet", frames(g, 2))
    g.join()


g = outerCaller(nothing)
print("spawn", frames(g, 2))
d = makeDirect(nothing)
print("Greenlet()", frames(d, 1))
later = makeLater(nothing)
print("spawn_later", frames(later, 1))
gevent.joinall([g, later])
gevent.spawn(inGreenlet).join()
