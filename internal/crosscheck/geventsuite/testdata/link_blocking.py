# link() callbacks each run in their own greenlet: one that blocks lets the next link run at once,
# and resumes later.
import gevent

def slow(x):
    print("slow start")
    gevent.sleep(0.05)
    print("slow end")

g = gevent.spawn(lambda: 1)
g.link(slow)
g.link(lambda x: print("fast"))
g.join()
gevent.sleep(0.15)
print("done")
