# AsyncResult: waiters get the value in order; get(block=False) raises Timeout before; set_exception re-raised.
import gevent
from gevent.event import AsyncResult
from gevent import Timeout
a = AsyncResult()
try:
    a.get(block=False)
except Timeout:
    print("not ready: Timeout")
def w(n):
    print("got", n, a.get())
gs = [gevent.spawn(w, n) for n in "ab"]
gevent.sleep(0)
a.set(42)
print("ready", a.ready(), "successful", a.successful(), "value", a.value)
gevent.joinall(gs)
b = AsyncResult()
b.set_exception(ValueError("boom"))
try:
    b.get()
except ValueError as e:
    print("raised", e, "successful", b.successful())
c = AsyncResult()
try:
    c.get(timeout=0.01)
except Timeout:
    print("get timeout")
print("wait", c.wait(0.01))
