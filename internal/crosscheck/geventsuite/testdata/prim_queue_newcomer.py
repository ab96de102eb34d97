# put with a waiting getter: a newcomer that gets before the hub callback takes the item.
import gevent
from gevent.queue import Queue
q = Queue()
def w():
    print("waiter got", q.get())
g = gevent.spawn(w)
gevent.sleep(0)
q.put(1)
print("newcomer got", q.get())
gevent.sleep(0)
print("waiter ready", g.ready())
q.put(2)
g.join()
