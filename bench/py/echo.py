"""Echo server on gevent.server.StreamServer, a greenlet per connection.
Prints "PORT <n>" once listening; serves until killed."""
import socket
import sys

from gevent.server import StreamServer


def handle(sock, _addr):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        data = sock.recv(4096)
        if not data:
            break
        sock.sendall(data)


server = StreamServer(("127.0.0.1", 0), handle, backlog=1024)
server.start()
sys.stdout.write("PORT %d\n" % server.server_port)
sys.stdout.flush()
server.serve_forever()
