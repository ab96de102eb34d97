# JoinableQueue.copy in the states prim_joinable_copy leaves out: a count above the items (gets
# without task_done), below them (task_done without a get), a waiting putter (its item is
# neither in the copy nor counted yet), a waiting getter, and a maxsize shrunk below the items.
import gevent
from gevent.queue import JoinableQueue


def show(name, q):
    c = q.copy()
    print(name, "unfinished", q.unfinished_tasks, "qsize", q.qsize(),
          "copy unfinished", c.unfinished_tasks, "qsize", c.qsize(), "maxsize", c.maxsize,
          "join", c.join(0.001))
    return c


q = JoinableQueue()
q.put(1)
q.put(2)
q.get()
q.get()
show("got", q)

q = JoinableQueue()
q.put(1)
q.put(2)
q.task_done()
show("half", q)

q = JoinableQueue()
q.put(1)
q.put(2)
q.put(3)
q.get()
q.get()
show("more", q)

q = JoinableQueue(1)
q.put(1)
p = gevent.spawn(q.put, 2)
gevent.sleep(0)
c = show("putter", q)
print("original get", q.get())
gevent.sleep(0)
print("after putter unfinished", q.unfinished_tasks, "qsize", q.qsize(), "copy", c.unfinished_tasks, c.qsize())
p.join()

q = JoinableQueue(1)
q.put(1)
q.task_done()
p = gevent.spawn(q.put, 2)
gevent.sleep(0)
c = show("putter done", q)
print("copy get", c.get(), "copy full", c.full())
q.get()
gevent.sleep(0)
p.join()

q = JoinableQueue()
g = gevent.spawn(q.get)
gevent.sleep(0)
c = show("getter", q)
q.put(5)
gevent.sleep(0)
print("getter got", g.value, "unfinished", q.unfinished_tasks, "copy", c.unfinished_tasks, c.qsize())

q = JoinableQueue(3)
q.put(1)
q.put(2)
q.put(3)
for _ in range(3):
    q.task_done()
q.maxsize = 1
c = show("shrunk", q)
print("copy full", c.full())
