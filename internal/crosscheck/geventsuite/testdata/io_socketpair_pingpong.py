# Two greenlets talk over a socketpair: recv on an empty socket blocks only the caller, the sender
# runs meanwhile, and each side wakes when its peer's data arrives (gevent.socket).
import gevent
from gevent import socket

a, b = socket.socketpair()

def reader():
    print("reader start")
    data = b.recv(100)
    print("reader got", data.decode())
    b.sendall(b"pong")
    print("reader sent pong")

def writer():
    print("writer start")
    a.sendall(b"ping")
    print("writer sent ping")
    data = a.recv(100)
    print("writer got", data.decode())

g1 = gevent.spawn(reader)
g2 = gevent.spawn(writer)
print("main joins")
gevent.joinall([g1, g2])
print("done", g1.successful(), g2.successful())
a.close()
b.close()
