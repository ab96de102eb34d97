# Two children of main switch to each other directly.
from greenlet import greenlet, getcurrent
main = getcurrent()
def a_run():
    print("a start")
    v = b.switch("from a")
    print("a got", v)
    v = b.switch("from a again")
    print("a got", v)
    return "a end"
def b_run(v):
    print("b got", v)
    v = a.switch("from b")
    print("b got", v)
    return "b end"
a = greenlet(a_run)
b = greenlet(b_run)
print("main got", a.switch())
print("a dead", a.dead, "b dead", b.dead)
print("main got", a.switch())
