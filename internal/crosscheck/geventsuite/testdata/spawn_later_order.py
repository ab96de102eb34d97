# spawn_later ordering follows the delay, not the spawn order; equal delays keep spawn order.
import gevent

def f(n):
    print("run", n)

gs = [gevent.spawn_later(0.15, f, "a30"),
      gevent.spawn_later(0.05, f, "b10"),
      gevent.spawn_later(0.1, f, "c20"),
      gevent.spawn_later(0.05, f, "d10"),
      gevent.spawn(f, "e0")]
print("started", [g.started for g in gs])
gevent.joinall(gs)
print("done")
