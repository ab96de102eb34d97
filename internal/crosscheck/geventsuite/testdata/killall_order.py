# killall kills every greenlet (each sees GreenletExit) and waits for all of them.
import gevent

def f(n):
    try:
        gevent.sleep(10)
    except gevent.GreenletExit:
        print("exit", n)
        raise

gs = [gevent.spawn(f, n) for n in "abc"]
gevent.sleep(0)
gevent.killall(gs)
print("dead", [g.dead for g in gs])
gs2 = [gevent.spawn(f, n) for n in "xy"]
gevent.sleep(0)
gevent.killall(gs2, block=False)
print("nonblocking dead", [g.dead for g in gs2])
gevent.sleep(0)
print("later dead", [g.dead for g in gs2])
