# blocking puts on a full queue complete in order; items enter in order.
import gevent
from gevent.queue import Queue
q = Queue(1)
q.put("x")
def p(n):
    q.put(n)
    print("put done", n)
gs = [gevent.spawn(p, n) for n in "abc"]
gevent.sleep(0)
print("full", q.full(), "qsize", q.qsize())
for _ in range(4):
    print("get", q.get())
gevent.joinall(gs)
