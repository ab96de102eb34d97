# A Timeout started in one greenlet fires only in that greenlet; others are not disturbed.
import gevent
from gevent import Timeout

def a():
    try:
        with Timeout(0.05):
            gevent.sleep(0.25)
    except Timeout:
        print("a timed out")

def b():
    gevent.sleep(0.15)
    print("b fine")

gevent.joinall([gevent.spawn(a), gevent.spawn(b)])
