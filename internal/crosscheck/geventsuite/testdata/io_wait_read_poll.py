# gevent.socket.wait_read/wait_write on raw fds (with a timeout that expires: socket.timeout) and
# gevent.select.poll: events of a registered socketpair, then a poll timeout with nothing ready.
import gevent
from gevent import socket
from gevent import select

a, b = socket.socketpair()
socket.wait_write(a.fileno(), timeout=1)
print("a writable")
try:
    socket.wait_read(b.fileno(), timeout=0.05)
    print("not reached")
except socket.timeout:
    print("wait_read timeout")

def writer():
    gevent.sleep(0.02)
    print("writer sends")
    a.sendall(b"x")

gevent.spawn(writer)
socket.wait_read(b.fileno())
print("b readable")

names = {a.fileno(): "a", b.fileno(): "b"}
p = select.poll()
p.register(a.fileno(), select.POLLIN)
p.register(b.fileno(), select.POLLIN)
print("poll", sorted((names[fd], ev) for fd, ev in p.poll(1000)))
b.recv(10)
print("poll timeout", p.poll(50))
a.close()
b.close()
