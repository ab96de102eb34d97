# Switching to a dead greenlet goes to its nearest live ancestor.
from greenlet import greenlet, getcurrent
main = getcurrent()
g = greenlet(lambda: "first")
print("main got", g.switch())
print("main got", g.switch(42))
def outer():
    inner = greenlet(lambda: "inner done")
    print("outer got", inner.switch())
    print("outer got", inner.switch("again"))
    return "outer done"
o = greenlet(outer)
print("main got", o.switch())
