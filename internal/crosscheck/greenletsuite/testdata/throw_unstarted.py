# Throwing into an unstarted greenlet kills it without running it.
from greenlet import greenlet
def run():
    print("never printed")
g = greenlet(run)
print("dead", g.dead, "active", bool(g))
r = g.throw()
print("main got", type(r).__name__)
print("dead", g.dead, "active", bool(g))
h = greenlet(run)
try:
    h.throw(ValueError("early"))
except ValueError as e:
    print("main caught", type(e).__name__ + ":", e)
print("dead", h.dead)
