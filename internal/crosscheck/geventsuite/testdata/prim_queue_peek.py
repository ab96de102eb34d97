# peek waits for an item without taking it; getters after it still get it.
import gevent
from gevent.queue import Queue
q = Queue()
def pk():
    print("peek", q.peek())
def gt():
    print("get", q.get())
gs = [gevent.spawn(pk), gevent.spawn(gt)]
gevent.sleep(0)
q.put("v")
gevent.joinall(gs)
print("qsize", q.qsize())
