# kill() of a greenlet blocked in recv: GreenletExit is raised inside recv (its finally runs), the
# socket is left open and working: a second reader gets the data sent afterwards.
import gevent
from gevent import socket

a, b = socket.socketpair()

def reader(name):
    try:
        print(name, "got", b.recv(10).decode())
    except gevent.GreenletExit:
        print(name, "killed")
        raise
    finally:
        print(name, "finally")

r1 = gevent.spawn(reader, "r1")
gevent.sleep(0.02)
r1.kill()
print("r1 dead", r1.dead, r1.successful())
r2 = gevent.spawn(reader, "r2")
gevent.sleep(0)
a.sendall(b"after")
print("sent")
r2.join()
print("r2 dead", r2.dead)
a.close()
b.close()
