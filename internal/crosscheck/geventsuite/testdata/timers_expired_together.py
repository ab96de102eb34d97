# Timers that all expired while the loop was busy (a blocking time.sleep) wake in deadline order,
# and an I/O watcher ready in the same iteration wakes after all of them.
import os
import time
import gevent

hub = gevent.get_hub()
r, w = os.pipe()

def sleeper(name, d):
    gevent.sleep(d)
    print("timer", name)

def reader():
    hub.wait(hub.loop.io(r, 1))
    print("readable")

gs = [gevent.spawn(sleeper, "c", 0.003), gevent.spawn(sleeper, "a", 0.001),
      gevent.spawn(sleeper, "b", 0.002), gevent.spawn(reader)]
gevent.sleep(0)
os.write(w, b"x")
time.sleep(0.02)
print("main blocks")
gevent.joinall(gs)
print("done")
os.close(r)
os.close(w)
