# A gevent.Timeout around a recv with no socket timeout: the Timeout itself is raised in the
# reader (not socket.timeout), the socket is still usable afterwards, and a Timeout that does not
# expire is cancelled when recv returns in time.
import gevent
from gevent import socket

a, b = socket.socketpair()
try:
    with gevent.Timeout(0.05) as t:
        b.recv(10)
    print("not reached")
except gevent.Timeout as e:
    print("recv interrupted by its Timeout", e is t)
except socket.timeout:
    print("socket timeout")

def writer():
    gevent.sleep(0.02)
    a.sendall(b"data")

gevent.spawn(writer)
with gevent.Timeout(1) as t:
    print("recv got", b.recv(10).decode())
print("pending after", t.pending)
a.close()
b.close()
