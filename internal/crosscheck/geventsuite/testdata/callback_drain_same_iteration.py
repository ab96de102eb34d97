# Callbacks added while the queue drains run in the same drain, before any timer or I/O is looked
# at: a chain of 20 run_callback re-arms finishes before a due zero timer wakes its greenlet.
import gevent

loop = gevent.get_hub().loop
count = [0]
def chain():
    count[0] += 1
    if count[0] < 20:
        loop.run_callback(chain)
    else:
        print("chain done")

def timer():
    gevent.sleep(0.000001)
    print("timer woke, chain count", count[0])

g = gevent.spawn(timer)
gevent.sleep(0.005)
loop.run_callback(chain)
g2 = gevent.spawn(timer)
g2.join()
print("done")
