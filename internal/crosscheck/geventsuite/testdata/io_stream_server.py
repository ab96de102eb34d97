# A StreamServer echoes one line per connection, one handler greenlet each; three clients connect
# at once from greenlets. Replies are printed sorted, so the trace does not depend on accept order.
import gevent
from gevent import socket
from gevent.server import StreamServer

handled = []

def handle(sock, address):
    f = sock.makefile("rb")
    line = f.readline()
    f.close()
    handled.append(line.strip().decode())
    sock.sendall(b"echo " + line)

server = StreamServer(("127.0.0.1", 0), handle)
server.start()
port = server.address[1]

def client(name):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(name.encode() + b"\n")
    f = c.makefile("rb")
    reply = f.readline().decode().strip()
    f.close()
    c.close()
    return reply

gs = [gevent.spawn(client, n) for n in ("c1", "c2", "c3")]
gevent.joinall(gs)
print("replies", sorted(g.value for g in gs))
print("handled", sorted(handled))
server.stop()
print("stopped", server.closed)
