# The callback drain checks the switch interval (5 ms) only every 50 callbacks: with 60 slow callbacks
# (0.3 ms each) queued behind a spawn, the drain stops after the 50th callback (the spawn counts),
# the due timer wakes its greenlet, then the remaining callbacks run.
import time
import gevent

loop = gevent.get_hub().loop

def slow(i):
    end = time.perf_counter() + 0.0003
    while time.perf_counter() < end:
        pass
    if i in (0, 48, 49, 50, 59):
        print("cb", i)

def sleeper():
    gevent.sleep(0.000001)
    print("timer woke")

g = gevent.spawn(sleeper)
for i in range(60):
    loop.run_callback(slow, i)
g.join()
print("joined")
gevent.sleep(0.02)
print("done")
