# A greenlet spawned from a link callback runs after the remaining links of that notify round.
import gevent

g = gevent.spawn(lambda: 1)
def spawner(x):
    print("link 1 spawns")
    gevent.spawn(lambda: print("spawned from link"))
g.link(spawner)
g.link(lambda x: print("link 2"))
g.join()
gevent.sleep(0.005)
print("done")
