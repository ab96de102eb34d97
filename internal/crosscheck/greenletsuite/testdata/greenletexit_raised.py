# run raising GreenletExit itself: the parent gets it as a value.
from greenlet import greenlet, GreenletExit
def run():
    raise GreenletExit("bye")
g = greenlet(run)
r = g.switch()
print("main got", type(r).__name__ + ":", r)
print("dead", g.dead)
