# Every timer start refreshes the loop's cached time first (gevent 22.10's Cython libev core updates
# the loop time in timer.start; sleep and Timeout do it explicitly too): after main blocks the thread
# for 0.3 s, spawn_later(0.2) still counts from now, so main's 0.1 s sleep ends first.
import time
import gevent

gevent.sleep(0)
time.sleep(0.3)
later = gevent.spawn_later(0.2, print, "spawn_later ran")
gevent.sleep(0.1)
print("main woke")
later.join()
print("done")
