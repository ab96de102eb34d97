# get(timeout=) raises Timeout when the greenlet does not finish in time, and the greenlet keeps running.
import gevent

def slow():
    gevent.sleep(0.25)
    print("slow done")
    return 1

g = gevent.spawn(slow)
try:
    g.get(timeout=0.05)
except gevent.Timeout:
    print("Timeout")
print("dead", g.dead)
print("get", g.get())
