# Spawned greenlets do not run until the spawner blocks; then they run in spawn order.
import gevent

def f(n):
    print("run", n)
    return n

gs = [gevent.spawn(f, i) for i in range(3)]
print("spawned", sum(1 for g in gs if g.started), "started")
print("ready", sum(1 for g in gs if g.ready()))
gevent.joinall(gs)
print("joined", [g.value for g in gs] == [0, 1, 2])
