"""The bench's gevent.pywsgi server (run with /usr/bin/python3, which has gevent): the same
answer as httpserver's, -size bytes ("Hello, World!" by default). Prints "PORT <n>" once
listening and serves until killed."""
import sys

from gevent.pywsgi import WSGIServer


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    body = b"x" * size if size > 0 else b"Hello, World!"
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]

    def app(environ, start_response):
        start_response("200 OK", headers)
        return [body]

    server = WSGIServer(("127.0.0.1", 0), app, log=None, backlog=1024)
    server.start()
    print("PORT %d" % server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
