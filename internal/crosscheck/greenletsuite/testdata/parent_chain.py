# A result goes to the parent; a dead parent hands it to its own parent.
from greenlet import greenlet, getcurrent
main = getcurrent()
def a_run():
    c = greenlet(lambda: "c result", parent=b)
    print("a made c with parent b")
    return c
a = greenlet(a_run)
b = greenlet(lambda: main.switch("b parked"))
print("main got", b.switch())
c = a.switch()
print("a dead", a.dead)
print("main got", c.switch())
print("b dead", b.dead, "c dead", c.dead)
print("main got", b.switch("to b"))
print("b dead", b.dead)
