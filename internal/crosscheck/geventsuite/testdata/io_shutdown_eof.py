# Half-close: shutdown(SHUT_WR) wakes a reader blocked in recv with end of stream (b""), while
# the other direction still works; a writer sending more than the socket buffer holds blocks until
# the reader drains it ("sent" before the reader has read the last bytes).
import socket as stdsocket
import gevent
from gevent import socket

a, b = socket.socketpair()
N = 1 << 20

def reader():
    gevent.sleep(0.05)
    print("reader start")
    total = 0
    while total < N:
        total += len(b.recv(65536))
    print("read", total)
    print("eof", b.recv(10) == b"")
    b.sendall(b"bye")

def writer():
    print("writer start")
    a.sendall(b"z" * N)
    print("sent")
    gevent.sleep(0.01)
    a.shutdown(stdsocket.SHUT_WR)
    print("shut down")
    print("still reads", a.recv(10).decode())

gevent.joinall([gevent.spawn(reader), gevent.spawn(writer)])
a.close()
b.close()
