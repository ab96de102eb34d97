# A socket closed while another greenlet is blocked in recv on it: the reader is woken with an
# error (gevent: OSError EBADF "File descriptor was closed in another greenlet"; geventgo:
# net.ErrClosed), after the closer returns to the hub. Later use of the closed socket fails too.
import errno
import gevent
from gevent import socket

a, b = socket.socketpair()

def reader():
    print("reader blocks")
    try:
        b.recv(10)
        print("not reached")
    except OSError as e:
        print("reader error", errno.errorcode[e.errno])

g = gevent.spawn(reader)
gevent.sleep(0.05)
b.close()
print("closed")
g.join()
try:
    b.recv(10)
except OSError as e:
    print("recv after close", errno.errorcode[e.errno])
a.close()
print("done")
