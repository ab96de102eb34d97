# getcurrent() is the running greenlet, in main and in children.
from greenlet import greenlet, getcurrent
main = getcurrent()
print("main is current", getcurrent() is main)
def run():
    me = getcurrent()
    print("child is current", me is g)
    print("child parent is main", me.parent is main)
    main.switch()
    print("still current", getcurrent() is g)
g = greenlet(run)
g.switch()
print("back in main", getcurrent() is main)
g.switch()
print("main is current", getcurrent() is main)
