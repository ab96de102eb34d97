# A callback handed to the hub from another thread (run_callback_threadsafe) wakes a greenlet waiting
# on a Waiter, as long as something keeps the loop alive meanwhile (here a long sleeping greenlet).
import threading
import time
import gevent
from gevent._waiter import Waiter

hub = gevent.get_hub()
w = Waiter()
keep = gevent.spawn(gevent.sleep, 10)

def worker():
    time.sleep(0.05)
    hub.loop.run_callback_threadsafe(w.switch, "from thread")

th = threading.Thread(target=worker)
th.start()
print("got", w.get())
th.join()
keep.kill()
print("done")
