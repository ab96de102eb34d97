# gevent.kill of a raw greenlet throws GreenletExit into it from a hub callback: kill
# returns at once, the greenlet sees GreenletExit in its blocking call when the hub
# runs the callback, and what it does then is up to it; nothing is reported.
import gevent

hub = gevent.get_hub()


def handle_error(context, type, value, tb):
    print("handle_error", type.__name__, value)


hub.handle_error = handle_error


def victim(name, swallow):
    print(name, "sleeps")
    try:
        gevent.sleep(10)
    except gevent.GreenletExit:
        print(name, "got GreenletExit")
        if not swallow:
            raise
    print(name, "goes on")
    gevent.sleep(0)
    print(name, "returns")


a = gevent.spawn_raw(victim, "a", False)
b = gevent.spawn_raw(victim, "b", True)
gevent.sleep(0)
gevent.kill(a)
gevent.kill(b)
print("kill returned, dead", a.dead, b.dead)
gevent.sleep(0)
print("after sleep0, dead", a.dead, b.dead)
gevent.sleep(0.01)
print("at end, dead", a.dead, b.dead)
