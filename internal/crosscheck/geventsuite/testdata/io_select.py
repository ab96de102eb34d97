# gevent.select.select on a socketpair: what is ready at once, a select that blocks until another
# greenlet writes, and a select with a timeout and nothing ready (empty lists, no error).
import gevent
from gevent import socket
from gevent import select

a, b = socket.socketpair()
names = {a.fileno(): "a", b.fileno(): "b"}

def show(what, res):
    r, w, _ = res
    print(what, sorted(names[f.fileno()] for f in r), sorted(names[f.fileno()] for f in w))

show("nothing sent", select.select([a, b], [a, b], [], 0))
a.sendall(b"x")
show("after send", select.select([a, b], [], [], 1))
b.recv(10)

def writer():
    print("writer runs")
    gevent.sleep(0.05)
    print("writer sends")
    b.sendall(b"y")

gevent.spawn(writer)
show("blocking", select.select([a], [], []))
a.recv(10)
show("timeout", select.select([a, b], [], [], 0.05))
a.close()
b.close()
