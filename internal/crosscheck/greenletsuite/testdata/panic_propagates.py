# A runtime fault in the child (Go: a panic) is raised in the parent.
from greenlet import greenlet
def run():
    print("child dividing")
    return 1 // 0
g = greenlet(run)
try:
    g.switch()
except ZeroDivisionError as e:
    print("main caught", type(e).__name__ + ":", e)
print("dead", g.dead)
