# Killing a greenlet blocked on an I/O watcher stops the watcher: data arriving later wakes nobody,
# and a new waiter on the same fd works.
import os
import gevent

hub = gevent.get_hub()
r, w = os.pipe()

def reader(name):
    try:
        hub.wait(hub.loop.io(r, 1))
        print(name, "readable")
    except gevent.GreenletExit:
        print(name, "killed")
        raise

g = gevent.spawn(reader, "r1")
gevent.sleep(0)
g.kill()
os.write(w, b"x")
gevent.sleep(0.025)
print("after write")
g2 = gevent.spawn(reader, "r2")
g2.join()
os.close(r)
os.close(w)
