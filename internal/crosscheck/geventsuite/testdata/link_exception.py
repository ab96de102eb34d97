# On failure link_exception fires and link_value does not.
import gevent

def bad():
    raise ValueError("boom")

g = gevent.spawn(bad)
g.link_value(lambda x: print("link_value"))
g.link_exception(lambda x: print("link_exception", type(x.exception).__name__, x.exception))
g.link(lambda x: print("link", x.successful()))
g.join()
gevent.sleep(0)
print("done")
