# An error from a grandchild is raised in its parent greenlet, which
# catches it; the parent's own result then reaches main.
from greenlet import greenlet
def mid():
    leaf = greenlet(lambda: 1 // 0 if False else (_ for _ in ()).throw(KeyError("leaf")))
    try:
        leaf.switch()
    except KeyError as e:
        print("mid caught KeyError:", e.args[0])
    inner = greenlet(lambda: (_ for _ in ()).throw(ValueError("inner")))
    inner.switch()
    return "unreached"
m = greenlet(mid)
try:
    m.switch()
except ValueError as e:
    print("main caught", type(e).__name__ + ":", e)
print("dead", m.dead)
