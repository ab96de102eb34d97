# get() of a greenlet killed with the default GreenletExit does not raise: it returns the
# GreenletExit; get() of one killed with a custom exception raises it.
import gevent

class Stop(Exception):
    pass

g = gevent.spawn(gevent.sleep, 10)
gevent.sleep(0)
g.kill()
v = g.get()
print("get returned", type(v).__name__)
h = gevent.spawn(gevent.sleep, 10)
gevent.sleep(0)
h.kill(Stop("now"))
try:
    h.get()
except Stop as e:
    print("get raised Stop", e)
