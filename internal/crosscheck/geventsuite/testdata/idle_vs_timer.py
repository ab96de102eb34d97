# idle() wakes as soon as the loop has nothing pending, before a timer that is not yet due.
import gevent

def sleeper():
    gevent.sleep(0.1)
    print("timer woke")

def idler():
    gevent.idle()
    print("idle woke")

gevent.joinall([gevent.spawn(sleeper), gevent.spawn(idler)])
print("done")
