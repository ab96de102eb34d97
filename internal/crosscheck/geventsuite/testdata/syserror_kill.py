# A user exception class added to Hub.SYSTEM_ERROR: a greenlet killed with it
# unwinds, fails with it, and main's blocking kill raises it after
# hub.handle_error saw it.
import gevent
from gevent.hub import get_hub

class Stop(Exception):
    pass

hub = get_hub()
hub.SYSTEM_ERROR = hub.SYSTEM_ERROR + (Stop,)
orig = hub.handle_error
def handle_error(context, type, value, tb):
    print("handle_error", type.__name__)
    orig(context, type, value, tb)
hub.handle_error = handle_error

def worker():
    try:
        gevent.sleep(1)
    finally:
        print("worker unwinds")
g = gevent.spawn(worker)
gevent.sleep(0)
try:
    g.kill(Stop("now"))
    print("kill returned")
except Stop as e:
    print("main got Stop", e)
print("ready", g.ready(), "dead", g.dead)
gevent.sleep(0)
print("dead", g.dead)
