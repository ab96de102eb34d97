# JoinableQueue.join waits for task_done of every item; task_done too often is an error.
import gevent
from gevent.queue import JoinableQueue
q = JoinableQueue()
def worker():
    while True:
        item = q.get()
        gevent.sleep(0.001)
        print("done", item)
        q.task_done()
w = gevent.spawn(worker)
for i in range(3):
    q.put(i)
print("unfinished", q.unfinished_tasks)
print("join", q.join())
print("join timeout", q.join(0.01))
w.kill()
try:
    q.task_done()
except ValueError:
    print("task_done error")
