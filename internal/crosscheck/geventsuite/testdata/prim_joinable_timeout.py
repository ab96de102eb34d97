# join(timeout) returns False while tasks are unfinished.
from gevent.queue import JoinableQueue
q = JoinableQueue()
q.put(1)
print("join", q.join(0.01))
q.get()
q.task_done()
print("join", q.join(0.01))
