# An error escaping run is raised in the parent's switch.
from greenlet import greenlet
def run(x):
    print("child got", x)
    raise ValueError("from child")
g = greenlet(run)
try:
    g.switch(1)
except ValueError as e:
    print("main caught", type(e).__name__ + ":", e)
print("dead", g.dead)
