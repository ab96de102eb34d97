# A Timeout and a sleep of the same duration, the Timeout armed first: which wins?
import gevent
from gevent import Timeout

def f():
    try:
        with Timeout(0.05):
            gevent.sleep(0.05)
        print("sleep won")
    except Timeout:
        print("timeout won")

gevent.spawn(f).join()
f()
