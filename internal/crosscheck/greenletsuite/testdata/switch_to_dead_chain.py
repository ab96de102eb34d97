# A dead greenlet whose parent is dead too: the switch lands two levels up.
from greenlet import greenlet, getcurrent
main = getcurrent()
def a_run():
    b = greenlet(lambda: "b done")
    print("a got", b.switch())
    return b
a = greenlet(a_run)
b = a.switch()
print("a dead", a.dead, "b dead", b.dead)
print("main got", b.switch("through two dead"))
