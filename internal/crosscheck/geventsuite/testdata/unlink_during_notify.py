# A link callback (rawlink: runs in the hub) may unlink a later link before it runs, and may add a new
# link, which runs in the same notify round.
import gevent

g = gevent.spawn(lambda: 1)
def second(x):
    print("second")
def added(x):
    print("added during notify")
def first(x):
    print("first")
    g.unlink(second)
    g.rawlink(added)
g.rawlink(first)
g.rawlink(second)
g.rawlink(lambda x: print("third"))
g.join()
gevent.sleep(0)
print("done")
