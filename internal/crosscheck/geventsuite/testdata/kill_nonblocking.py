# kill(block=False) schedules the kill and returns at once; the target dies when the hub runs.
import gevent

def f():
    try:
        gevent.sleep(10)
    finally:
        print("finally")

g = gevent.spawn(f)
gevent.sleep(0)
g.kill(block=False)
print("after kill dead", g.dead)
gevent.sleep(0)
print("after sleep0 dead", g.dead)
