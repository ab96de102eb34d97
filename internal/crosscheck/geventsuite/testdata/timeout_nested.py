# Nested timeouts: the one that expires first fires, and the outer handler can tell which.
import gevent
from gevent import Timeout

outer = Timeout(0.25)
inner = Timeout(0.05)
outer.start()
try:
    inner.start()
    try:
        gevent.sleep(0.5)
    except Timeout as e:
        print("inner caught", "inner" if e is inner else "outer")
    finally:
        inner.cancel()
    gevent.sleep(0.5)
except Timeout as e:
    print("outer caught", "inner" if e is inner else "outer")
finally:
    outer.cancel()

outer = Timeout(0.05)
inner = Timeout(0.25)
outer.start()
try:
    inner.start()
    try:
        gevent.sleep(0.5)
    except Timeout as e:
        if e is not inner:
            print("not mine, re-raise")
            raise
    finally:
        inner.cancel()
except Timeout as e:
    print("outer caught", "inner" if e is inner else "outer")
finally:
    outer.cancel()
