# A spawn callback that raises: the exception comes out of start() (or spawn()) in the
# spawner and the greenlet is left unstarted: it never runs, is not dead, and a later
# start() once the callback is removed runs it.
import gevent


def bad(g):
    print("callback raises")
    raise ValueError("cb")


def body():
    print("body runs")
    return 1


gevent.Greenlet.add_spawn_callback(bad)
g = gevent.Greenlet(body)
try:
    g.start()
    print("start returned")
except ValueError as e:
    print("start raised ValueError", e)
print("started", g.started, "dead", g.dead, "ready", g.ready())


def spawner():
    try:
        gevent.spawn(body)
        print("spawn in greenlet returned")
    except ValueError as e:
        print("spawn in greenlet raised ValueError", e)
    return 2


s = gevent.spawn_raw(spawner)
gevent.sleep(0.01)
print("after sleep, g started", g.started, "dead", g.dead)
gevent.Greenlet.remove_spawn_callback(bad)
g.start()
print("value", g.get())
