# joinall(raise_error=True) re-raises the first failure as soon as it happens,
# leaving the others running.
import gevent

def ok(n, d):
    gevent.sleep(d)
    print("ok", n)
    return n

def bad():
    gevent.sleep(0.05)
    raise ValueError("boom")

gs = [gevent.spawn(ok, "a", 0.1), gevent.spawn(bad), gevent.spawn(ok, "b", 0.025)]
try:
    gevent.joinall(gs, raise_error=True)
    print("no error")
except ValueError as e:
    print("caught ValueError", e)
print("a ready", gs[0].ready())
gevent.joinall(gs)
print("a value", gs[0].value)
