# dead and active through a greenlet's life.
from greenlet import greenlet, getcurrent
main = getcurrent()
def run():
    print("inside", "dead", g.dead, "active", bool(g))
    main.switch()
g = greenlet(run)
print("unstarted", "dead", g.dead, "active", bool(g))
g.switch()
print("suspended", "dead", g.dead, "active", bool(g))
g.switch()
print("finished", "dead", g.dead, "active", bool(g))
