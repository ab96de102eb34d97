# Callbacks run before I/O readiness in one iteration; a readable watcher wakes its greenlet after
# callbacks queued before the poll. Then timers and I/O that are both ready: I/O first? record.
import os
import gevent

hub = gevent.get_hub()
loop = hub.loop
r, w = os.pipe()
os.write(w, b"x")

def reader():
    io = loop.io(r, 1)
    hub.wait(io)
    print("readable")

def sleeper():
    gevent.sleep(0.000001)
    print("timer")

g1 = gevent.spawn(reader)
g2 = gevent.spawn(sleeper)
loop.run_callback(print, "callback")
gevent.sleep(0.025)
print("main woke")
gevent.joinall([g1, g2])
os.close(r)
os.close(w)
