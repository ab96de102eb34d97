# recv with a timeout (socket.settimeout): nothing arrives, the reader gets socket.timeout
# (TimeoutError) while another greenlet keeps running; with data arriving before the
# deadline the recv returns it.
import gevent
from gevent import socket

a, b = socket.socketpair()
b.settimeout(0.1)

def other():
    print("other runs while recv waits")

gevent.spawn(other)
try:
    b.recv(10)
    print("not reached")
except socket.timeout:
    print("recv error timeout")

def late_writer():
    gevent.sleep(0.05)
    print("writer sends")
    a.sendall(b"late")

gevent.spawn(late_writer)
b.settimeout(1.0)
print("recv got", b.recv(10).decode())
a.close()
b.close()
