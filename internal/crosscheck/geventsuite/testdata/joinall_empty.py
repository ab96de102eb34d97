# joinall([]) and wait([]) return at once without yielding: a spawned greenlet has not run yet.
import gevent

g = gevent.spawn(lambda: print("spawned runs"))
print("joinall", gevent.joinall([]))
print("wait", gevent.wait([]))
print("ready", g.ready())
g.join()
