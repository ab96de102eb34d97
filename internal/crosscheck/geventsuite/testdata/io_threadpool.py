# The hub's threadpool runs a blocking function on a real thread; the waiting greenlet gets the
# result through the hub while another greenlet keeps ticking. spawn() returns an AsyncResult; a
# function that raises delivers its exception to get().
import time
import gevent

pool = gevent.get_hub().threadpool

def ticker():
    for i in range(2):
        gevent.sleep(0.05)
        print("tick", i)

def blocking():
    time.sleep(0.3)
    return 42

def failing():
    time.sleep(0.01)
    raise ValueError("boom")

t = gevent.spawn(ticker)
print("apply start")
print("apply result", pool.apply(blocking))
t.join()
r = pool.spawn(lambda: 7 * 6)
print("spawned ready", r.ready())
print("spawn get", r.get())
try:
    pool.spawn(failing).get()
    print("not reached")
except ValueError as e:
    print("spawn error", e)
print("map", pool.map(lambda x: x * x, [1, 2, 3]))
