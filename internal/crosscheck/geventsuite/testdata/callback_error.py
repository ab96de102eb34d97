# An exception in a run_callback callback is reported and the next callbacks still run.
import gevent

loop = gevent.get_hub().loop
def bad():
    print("bad")
    raise ValueError("cb")
loop.run_callback(bad)
loop.run_callback(print, "next")
gevent.sleep(0)
print("done")
