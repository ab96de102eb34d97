# An exception in a link callback is reported (stderr) and the remaining links still run;
# the greenlet's own state is unchanged.
import gevent

def boom(x):
    print("boom link")
    raise ValueError("in link")

g = gevent.spawn(lambda: 3)
g.link(lambda x: print("link 1"))
g.link(boom)
g.link(lambda x: print("link 3"))
g.join()
gevent.sleep(0)
print("successful", g.successful(), g.value)
