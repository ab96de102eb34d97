# SystemExit escaping a raw greenlet reaches the hub like any exception: handle_error
# sees it and, as for a Greenlet, the hub throws it into the main greenlet, whose wait
# raises it.
import gevent

hub = gevent.get_hub()
orig = hub.handle_error


def handle_error(context, type, value, tb):
    print("handle_error", type.__name__)
    orig(context, type, value, tb)


hub.handle_error = handle_error


def bad():
    print("raw raises")
    raise SystemExit(4)


gevent.spawn_raw(bad)
gevent.spawn(print, "spawned runs")
try:
    gevent.sleep(0.01)
    print("sleep returned")
except SystemExit as e:
    print("main got SystemExit", e.code)
gevent.sleep(0)
print("done")
