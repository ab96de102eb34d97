# A greenlet that catches GreenletExit keeps running; kill(timeout=) then gives up waiting
# without raising and the greenlet still lives.
import gevent

def f():
    try:
        gevent.sleep(10)
    except gevent.GreenletExit:
        print("caught kill")
    for i in range(2):
        gevent.sleep(0.1)
        print("still running", i)
    return "finished"

g = gevent.spawn(f)
gevent.sleep(0)
g.kill(timeout=0.05)
print("after kill dead", g.dead)
g.join()
print("joined", g.dead, g.value, g.successful())
