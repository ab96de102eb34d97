# A spawned greenlet first runs at the spawner's first blocking call, even sleep(0),
# and a greenlet it spawns in turn runs after the ones already queued.
import gevent

def child(n):
    print("child", n)

def parent():
    print("parent start")
    gevent.spawn(child, "c")
    print("parent spawned c")
    gevent.sleep(0)
    print("parent after sleep")

gevent.spawn(parent)
gevent.spawn(child, "b")
print("main before sleep")
gevent.sleep(0)
print("main after sleep0")
gevent.sleep(0.05)
print("main done")
