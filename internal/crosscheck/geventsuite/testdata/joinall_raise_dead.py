# joinall(raise_error=True) with a greenlet that already failed raises without waiting for the rest.
import gevent

def bad():
    raise ValueError("boom")

b = gevent.spawn(bad)
gevent.sleep(0)
slow = gevent.spawn(gevent.sleep, 0.25)
try:
    gevent.joinall([slow, b], raise_error=True)
except ValueError as e:
    print("ValueError", e, "slow ready", slow.ready())
gevent.joinall([slow])
print("slow ready", slow.ready())
