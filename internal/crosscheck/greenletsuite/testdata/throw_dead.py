# Throwing into a dead greenlet: GreenletExit comes back as a value, other
# errors are raised in the nearest live ancestor.
from greenlet import greenlet
g = greenlet(lambda: "done")
print("main got", g.switch())
r = g.throw()
print("main got", type(r).__name__)
try:
    g.throw(ValueError("late"))
except ValueError as e:
    print("main caught", type(e).__name__ + ":", e)
