# A DatagramServer answers each datagram from a handler greenlet (upper-cased echo back to the
# sender); a client greenlet sends two datagrams one after the other and reads each reply.
import gevent
from gevent import socket
from gevent.server import DatagramServer

class Upper(DatagramServer):
    def handle(self, data, address):
        self.socket.sendto(data.upper(), address)

server = Upper(("127.0.0.1", 0))
server.start()
port = server.address[1]

def client():
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.connect(("127.0.0.1", port))
    out = []
    for msg in (b"hello", b"world"):
        c.send(msg)
        out.append(c.recv(100).decode())
    c.close()
    return out

g = gevent.spawn(client)
print("replies", g.get())
server.stop()
print("stopped", server.closed)
