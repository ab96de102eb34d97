# DummySemaphore never blocks.
from gevent.lock import DummySemaphore
d = DummySemaphore()
print(d.acquire(), d.acquire(), d.locked(), d.ready(), d.wait())
