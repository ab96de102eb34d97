# Blocking inside the hub (a rawlink or a run_callback callback) is refused with
# BlockingSwitchOutError; the hub goes on.
import gevent
from gevent.exceptions import BlockingSwitchOutError

loop = gevent.get_hub().loop
def cb():
    try:
        gevent.sleep(0.005)
        print("callback slept")
    except BlockingSwitchOutError:
        print("callback BlockingSwitchOutError")
loop.run_callback(cb)
g = gevent.spawn(lambda: 1)
def raw(x):
    try:
        gevent.sleep(0.005)
        print("rawlink slept")
    except BlockingSwitchOutError:
        print("rawlink BlockingSwitchOutError")
g.rawlink(raw)
g.join()
gevent.sleep(0.025)
print("done")
