# A greenlet that kills itself: kill() raises GreenletExit right there in the greenlet
# (the rest of the body does not run), and it ends successful.
import gevent

def f():
    try:
        print("before")
        gevent.getcurrent().kill()
        print("not reached")
    except gevent.GreenletExit:
        print("got GreenletExit")
        raise

g = gevent.spawn(f)
g.join()
print("dead", g.dead, "successful", g.successful(), type(g.value).__name__)
