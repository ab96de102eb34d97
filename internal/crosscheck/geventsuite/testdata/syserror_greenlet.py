# A system error (SystemExit) escaping a greenlet is seen by hub.handle_error,
# then thrown into the main greenlet's current wait while the greenlet is still
# in its report (ready, not dead); when main waits again the hub goes on:
# callbacks queued before, the links, then the greenlet finishes.
import gevent
from gevent.hub import get_hub

hub = get_hub()
orig = hub.handle_error
def handle_error(context, type, value, tb):
    print("handle_error", type.__name__)
    orig(context, type, value, tb)
hub.handle_error = handle_error

def bad():
    print("bad raises")
    raise SystemExit(3)
def other():
    print("other runs")
g = gevent.spawn(bad)
g.rawlink(lambda g: print("rawlink, dead", g.dead))
gevent.spawn(other)
try:
    gevent.sleep(0.01)
    print("not reached")
except SystemExit as e:
    print("main got SystemExit", e.code)
print("ready", g.ready(), "dead", g.dead, "successful", g.successful())
gevent.sleep(0)
print("after sleep0 dead", g.dead)
gevent.sleep(0.01)
print("done")
