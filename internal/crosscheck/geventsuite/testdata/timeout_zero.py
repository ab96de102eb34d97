# Timeout(0) fires at the next blocking point, even a sleep(0)? Record.
import gevent
from gevent import Timeout

try:
    with Timeout(0):
        print("inside")
        gevent.sleep(0)
        print("after sleep0")
        gevent.sleep(0.05)
        print("not reached")
except Timeout:
    print("Timeout")

try:
    with Timeout(0):
        print("no block")
    print("no fire without blocking")
except Timeout:
    print("Timeout without blocking")
