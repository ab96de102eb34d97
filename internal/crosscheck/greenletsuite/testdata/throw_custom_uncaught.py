# A custom error not caught by the child is raised in the parent.
from greenlet import greenlet, getcurrent
main = getcurrent()
g = greenlet(lambda: main.switch("parked"))
print("main got", g.switch())
try:
    g.throw(ValueError("boom"))
except ValueError as e:
    print("main caught", type(e).__name__ + ":", e)
print("dead", g.dead)
