# killall(exception=X) raises X in every greenlet; they all fail with it.
import gevent

class Stop(Exception):
    pass

def f(n):
    try:
        gevent.sleep(10)
    except Stop:
        print("stop", n)
        raise

gs = [gevent.spawn(f, n) for n in "ab"]
gevent.sleep(0)
gevent.killall(gs, Stop)
print("failed", [not g.successful() for g in gs], [type(g.exception).__name__ for g in gs])
