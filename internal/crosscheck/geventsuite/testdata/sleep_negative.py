# A negative sleep behaves like sleep(0): a yield through the callback queue.
import gevent

def f():
    for i in range(2):
        print("f", i)
        gevent.sleep(-1)

g = gevent.spawn(f)
gevent.sleep(-0.5)
print("main")
g.join()
print("done")
