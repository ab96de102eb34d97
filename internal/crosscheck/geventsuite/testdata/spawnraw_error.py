# An exception escaping a raw greenlet goes to its parent, the hub, which reports it
# with handle_error and runs on, whether it escapes before or after the greenlet
# blocked; GreenletExit is not reported.
import gevent

hub = gevent.get_hub()


def handle_error(context, type, value, tb):
    print("handle_error", type.__name__, value)


hub.handle_error = handle_error


def bad(n, block):
    print("bad", n)
    if block:
        gevent.sleep(0.01)
        print("bad", n, "resumed")
    raise ValueError("raw%d" % n)


def exits():
    print("exits")
    raise gevent.GreenletExit()


r1 = gevent.spawn_raw(bad, 1, False)
r2 = gevent.spawn_raw(bad, 2, True)
gevent.spawn_raw(exits)
gevent.spawn(print, "spawned runs")
gevent.sleep(0)
print("main after sleep0, dead", r1.dead, r2.dead)
gevent.sleep(0.05)
print("main at end, dead", r1.dead, r2.dead)
