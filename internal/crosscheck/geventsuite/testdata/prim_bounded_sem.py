# BoundedSemaphore refuses a release above its initial value.
from gevent.lock import BoundedSemaphore
s = BoundedSemaphore(2)
s.acquire()
print("release", s.release())
try:
    s.release()
except ValueError as e:
    print("error ValueError")
print("counter", s.counter)
