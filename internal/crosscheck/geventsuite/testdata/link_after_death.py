# Linking to a dead greenlet schedules the callback on the hub; it does not run synchronously.
import gevent

g = gevent.spawn(lambda: "v")
g.join()
g.link(lambda x: print("late link", x.value))
print("linked")
gevent.sleep(0)
print("after sleep0")
g.link_exception(lambda x: print("not reached"))
g.link_value(lambda x: print("late link_value", x.value))
gevent.sleep(0)
print("done")
