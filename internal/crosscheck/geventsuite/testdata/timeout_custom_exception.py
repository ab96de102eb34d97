# Timeout(d, exc) raises exc (an instance or a class) instead of the Timeout.
import gevent
from gevent import Timeout

class Slow(Exception):
    pass

try:
    with Timeout(0.05, Slow("too slow")):
        gevent.sleep(0.25)
except Slow as e:
    print("Slow", e)

try:
    with Timeout(0.05, ValueError):
        gevent.sleep(0.25)
except ValueError as e:
    print("ValueError", e.args)
