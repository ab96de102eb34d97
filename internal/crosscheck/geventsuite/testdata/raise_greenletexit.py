# A body that raises GreenletExit itself ends successful, with the GreenletExit as value,
# and link_value (not link_exception) fires.
import gevent

def f():
    raise gevent.GreenletExit()

g = gevent.spawn(f)
g.link_value(lambda x: print("link_value"))
g.link_exception(lambda x: print("link_exception"))
g.join()
gevent.sleep(0)
print("successful", g.successful(), "exception", g.exception, type(g.value).__name__)
