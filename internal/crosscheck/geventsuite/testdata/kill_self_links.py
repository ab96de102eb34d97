# Links of a killed greenlet run after it dies, before kill() returns? Record when.
import gevent

def f():
    gevent.sleep(10)

g = gevent.spawn(f)
g.link(lambda x: print("link ran", x.dead))
gevent.sleep(0)
g.kill()
print("kill returned")
gevent.sleep(0)
print("after sleep0")
