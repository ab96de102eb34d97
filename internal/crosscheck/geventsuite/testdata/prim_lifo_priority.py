# LifoQueue gives the last item first; PriorityQueue the smallest.
from gevent.queue import LifoQueue, PriorityQueue
l = LifoQueue()
for i in (1, 2, 3):
    l.put(i)
print("lifo", [l.get() for _ in range(3)])
p = PriorityQueue()
for i in (5, 1, 4, 2, 3):
    p.put(i)
print("priority", [p.get() for _ in range(5)])
