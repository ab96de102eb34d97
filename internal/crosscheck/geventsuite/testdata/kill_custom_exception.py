# kill(exception) raises the given exception in the target; it then counts as failed.
import gevent

class Stop(Exception):
    pass

def f():
    try:
        gevent.sleep(10)
    except Stop as e:
        print("caught Stop", e)
        raise

g = gevent.spawn(f)
gevent.sleep(0)
g.kill(Stop("now"))
print("dead", g.dead, "successful", g.successful(), type(g.exception).__name__, g.exception)
