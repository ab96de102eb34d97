# getters waiting on an empty queue get items in the order they waited.
import gevent
from gevent.queue import Queue
q = Queue()
def w(n):
    print("got", n, q.get())
gs = [gevent.spawn(w, n) for n in "abc"]
gevent.sleep(0)
for i in range(3):
    q.put(i)
print("put done")
gevent.joinall(gs)
