# run_callback callbacks run FIFO; callbacks added while the queue drains go to the back of the
# same queue (after main's sleep(0) wake-up queued earlier); a stopped callback never runs.
import gevent

loop = gevent.get_hub().loop
def cb(name):
    print("cb", name)
    if name == "a":
        loop.run_callback(cb, "a-child")
loop.run_callback(cb, "a")
x = loop.run_callback(cb, "stopped")
loop.run_callback(cb, "b")
x.stop()
print("queued")
gevent.sleep(0)
print("after sleep0")
gevent.sleep(0)
print("after second sleep0")
