# get/put with timeouts and non-blocking raise Empty / Full.
from gevent.queue import Queue, Empty, Full
q = Queue(1)
try:
    q.get(timeout=0.01)
except Empty:
    print("get timeout Empty")
try:
    q.get(block=False)
except Empty:
    print("get nowait Empty")
q.put(1)
try:
    q.put(2, timeout=0.01)
except Full:
    print("put timeout Full")
try:
    q.put(2, block=False)
except Full:
    print("put nowait Full")
print("peek", q.peek(), "qsize", q.qsize(), "empty", q.empty(), "full", q.full())
