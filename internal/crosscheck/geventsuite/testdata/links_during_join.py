# join() of a greenlet that is already dead returns at once, before its links (scheduled on the hub) run.
import gevent

g = gevent.spawn(lambda: 1)
g.link(lambda x: print("link A"))
gevent.spawn(lambda: (g.join(), print("joiner woke")))
g.link(lambda x: print("link B"))
gevent.sleep(0.05)
print("done")
