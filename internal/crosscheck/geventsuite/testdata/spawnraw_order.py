# gevent.spawn_raw schedules its raw greenlet with run_callback: it starts in FIFO order
# with spawn() and run_callback, takes arguments, and may block and resume like any
# greenlet. It is a plain greenlet: not dead before it runs, dead once it returned.
import gevent

hub = gevent.get_hub()


def raw(tag, *args):
    print("raw", tag, *args)


def sleeper():
    print("sleeper sleeps")
    gevent.sleep(0.01)
    print("sleeper resumed")
    gevent.sleep(0)
    print("sleeper done")


gevent.spawn_raw(raw, "r1", 1, 2)
gevent.spawn(print, "spawn s1")
hub.loop.run_callback(print, "callback c1")
gevent.spawn_raw(raw, "r2")
r = gevent.spawn_raw(sleeper)
gevent.spawn(print, "spawn s2")
print("main queued, sleeper dead", r.dead)
gevent.sleep(0)
print("main after sleep0, sleeper dead", r.dead)
gevent.sleep(0.05)
print("main at end, sleeper dead", r.dead)
