# Sleeps wake in deadline order; equal deadlines wake in the order they were armed.
import gevent

def f(name, d):
    gevent.sleep(d)
    print("woke", name)

gs = [gevent.spawn(f, "c", 0.15), gevent.spawn(f, "a", 0.05), gevent.spawn(f, "b1", 0.1),
      gevent.spawn(f, "b2", 0.1), gevent.spawn(f, "z", 0)]
gevent.joinall(gs)
print("done")
