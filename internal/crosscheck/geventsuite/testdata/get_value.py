# get() blocks and returns the value; get on a failed greenlet re-raises its exception.
import gevent

def ok():
    gevent.sleep(0.05)
    return 42

def bad():
    raise KeyError("k")

g = gevent.spawn(ok)
print("get", g.get())
b = gevent.spawn(bad)
try:
    b.get()
except KeyError as e:
    print("KeyError", e.args[0])
try:
    b.get()
except KeyError:
    print("KeyError again")
print("value", b.value)
