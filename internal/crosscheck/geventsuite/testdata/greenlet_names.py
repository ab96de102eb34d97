# Greenlet names: default "Greenlet-N" counts up per hub, a name can be set, and
# spawning does not start the body.
import gevent

def f():
    return gevent.getcurrent().name

a = gevent.spawn(f)
b = gevent.Greenlet(f)
print("a", a.name.split("-")[0], "b", b.name.split("-")[0])
print("consecutive", int(b.name.split("-")[1]) - int(a.name.split("-")[1]))
b.name = "worker"
b.start()
gevent.joinall([a, b])
print("b name", b.name, "value", b.value)
print("main is a Greenlet", isinstance(gevent.getcurrent(), gevent.Greenlet))
