# The return value of run is what the parent's pending switch returns.
from greenlet import greenlet
g = greenlet(lambda x: x * 3)
print("result", g.switch(14))
print("dead", g.dead, "active", bool(g))
