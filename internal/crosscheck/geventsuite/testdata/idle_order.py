# idle() waits until the loop has nothing else to do: sleep(0) yielders go first.
import gevent

def idler():
    print("idle start")
    gevent.idle()
    print("idle woke")

def yielder(n):
    for i in range(3):
        print("yield", n, i)
        gevent.sleep(0)

gevent.joinall([gevent.spawn(idler), gevent.spawn(yielder, "a")])
print("done")
