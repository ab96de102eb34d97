# sleep(0) yields via a callback; sleep(0.000001) arms a timer: the sleep(0) greenlet
# gets several turns before the timer greenlet wakes.
import gevent

def zero():
    for i in range(4):
        print("zero", i)
        gevent.sleep(0)

def tiny():
    for i in range(2):
        print("tiny", i)
        gevent.sleep(0.000001)

gevent.joinall([gevent.spawn(tiny), gevent.spawn(zero)])
print("done")
