# kill() of a greenlet blocked in sleep raises GreenletExit inside it (finally runs), waits for it,
# and the greenlet counts as successful with the GreenletExit as its value.
import gevent

def f():
    try:
        print("sleeping")
        gevent.sleep(10)
        print("not reached")
    except gevent.GreenletExit:
        print("got GreenletExit")
        raise
    finally:
        print("finally")

g = gevent.spawn(f)
gevent.sleep(0)
g.kill()
print("dead", g.dead, "successful", g.successful(), "exception", g.exception)
print("value", type(g.value).__name__)
