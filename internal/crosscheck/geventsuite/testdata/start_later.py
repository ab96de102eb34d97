# Greenlet() is not started until start()/start_later(); start_later delays like spawn_later.
import gevent

def f(n):
    print("run", n)
    return n

g1 = gevent.Greenlet(f, "g1")
g2 = gevent.Greenlet(f, "g2")
g3 = gevent.Greenlet(f, "g3")
print("before", g1.started, g2.started, g3.started)
g1.start_later(0.1)
g2.start()
print("after start", g1.started, g2.started, g3.started)
gevent.sleep(0)
print("after sleep0", g1.dead, g2.dead)
g1.join()
print("g1 joined", g1.value)
g3.start()
g3.start()
g3.join()
print("g3 joined once", g3.value)
