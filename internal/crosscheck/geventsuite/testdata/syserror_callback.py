# SystemExit raised in a run_callback callback is seen by hub.handle_error and
# thrown into the main greenlet from the hub; the callbacks after it run when
# main waits again.
import gevent
from gevent.hub import get_hub

hub = get_hub()
orig = hub.handle_error
def handle_error(context, type, value, tb):
    print("handle_error", type.__name__)
    orig(context, type, value, tb)
hub.handle_error = handle_error

loop = hub.loop
def cb():
    print("callback raises")
    raise SystemExit(5)
loop.run_callback(cb)
loop.run_callback(print, "next callback")
try:
    gevent.sleep(0)
    print("sleep returned")
except SystemExit as e:
    print("main got SystemExit", e.code)
gevent.sleep(0)
print("done")
