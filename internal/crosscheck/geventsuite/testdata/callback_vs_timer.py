# In one loop iteration, run_callback callbacks run before expired timers, even a sleep(0)
# callback armed after a zero timer.
import gevent

loop = gevent.get_hub().loop
def t(name):
    gevent.sleep(0.000001)
    print("timer woke", name)
def y(name):
    gevent.sleep(0)
    print("sleep0 woke", name)
    gevent.sleep(0)
    print("sleep0 woke again", name)

a = gevent.spawn(t, "t1")
b = gevent.spawn(y, "y1")
loop.run_callback(print, "callback")
gevent.joinall([a, b])
print("done")
