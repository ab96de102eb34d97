# JoinableQueue.copy passes unfinished_tasks to the constructor, which counts the items instead
# when it is 0: a queue whose items were all marked done without a get copies as unfinished.
from gevent.queue import JoinableQueue
q = JoinableQueue()
q.put(1)
q.put(2)
q.task_done()
q.task_done()
print("unfinished", q.unfinished_tasks, "qsize", q.qsize(), "join", q.join(0.01))
c = q.copy()
print("copy unfinished", c.unfinished_tasks, "qsize", c.qsize())
print("copy join", c.join(0.01))
for _ in range(2):
    print("copy get", c.get())
    c.task_done()
print("copy unfinished", c.unfinished_tasks, "join", c.join(0.01))
print("unfinished", q.unfinished_tasks, "qsize", q.qsize())
print("get", q.get())
q.put(3)
print("unfinished", q.unfinished_tasks, "qsize", q.qsize())
c = q.copy()
print("copy unfinished", c.unfinished_tasks, "qsize", c.qsize())
e = JoinableQueue().copy()
print("empty copy unfinished", e.unfinished_tasks, "join", e.join(0.01))
