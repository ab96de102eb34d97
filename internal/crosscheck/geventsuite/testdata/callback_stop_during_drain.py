# A callback can stop a callback queued after it during the same drain; that one never runs.
import gevent

loop = gevent.get_hub().loop
handles = {}
def first():
    print("first")
    handles["second"].stop()
def second():
    print("second")
loop.run_callback(first)
handles["second"] = loop.run_callback(second)
loop.run_callback(print, "third")
gevent.sleep(0)
print("done")
