"""The bench's gevent.pywsgi server (run with /usr/bin/python3, which has gevent): the same
answer as httpserver's, -size bytes ("Hello, World!" by default). Prints "PORT <n>" once
listening and serves until killed. The listening socket has TCP_NODELAY, which the accepted
connections inherit, as Go's sockets have it: without it pywsgi's separate writes of header
and body meet the client's delayed ACK and each response waits up to 40 ms."""
import sys

from gevent import socket
from gevent.pywsgi import WSGIServer


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    body = b"x" * size if size > 0 else b"Hello, World!"
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]

    def app(environ, start_response):
        start_response("200 OK", headers)
        return [body]

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    server = WSGIServer(listener, app, log=None)
    server.start()
    print("PORT %d" % server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
