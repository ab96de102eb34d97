# assigning maxsize: growing it lets the waiting putters in, in order, once
# a get frees a slot; shrinking it keeps the items, and the queue is full
# until gets bring it under the new size. copy() keeps the items, their
# order, maxsize and a JoinableQueue's unfinished count.
import gevent
from gevent.queue import Queue, Full, PriorityQueue, JoinableQueue
q = Queue(1)
q.put("x")
def p(n):
    q.put(n)
    print("put done", n)
gs = [gevent.spawn(p, n) for n in "abc"]
gevent.sleep(0)
print("full", q.full())
q.maxsize = 2
print("maxsize", q.maxsize, "full", q.full())
print("get", q.get())
gevent.sleep(0)
print("qsize", q.qsize())
q.maxsize = None
print("maxsize", q.maxsize, "full", q.full())
print("get", q.get())
gevent.sleep(0)
print("qsize", q.qsize())
gevent.joinall(gs)
q.maxsize = 1
print("maxsize", q.maxsize, "full", q.full(), "qsize", q.qsize())
try:
    q.put_nowait("d")
except Full:
    print("put nowait Full")
c = q.copy()
print("copy maxsize", c.maxsize, "qsize", c.qsize())
print("get", q.get(), "full", q.full())
print("get", q.get(), "full", q.full())
print("copy get", c.get(), c.get(), "qsize", q.qsize(), c.qsize())
pq = PriorityQueue()
for i in [5, 1, 4, 2, 3]:
    pq.put(i)
pc = pq.copy()
print("priority copy", [pc.get() for _ in range(5)], "qsize", pq.qsize())
jq = JoinableQueue(3)
for i in [1, 2]:
    jq.put(i)
jq.get()
jq.task_done()
jc = jq.copy()
print("joinable copy maxsize", jc.maxsize, "qsize", jc.qsize(), "unfinished", jc.unfinished_tasks)
jc.get()
jc.task_done()
print("unfinished", jq.unfinished_tasks, jc.unfinished_tasks)
