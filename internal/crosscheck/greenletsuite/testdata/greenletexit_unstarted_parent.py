# A greenlet that dies of GreenletExit hands the exception to its parent as
# a value; a parent that has not started yet starts with no arguments, a
# suspended one gets the exception from its switch.
from greenlet import greenlet, getcurrent, GreenletExit
main = getcurrent()
def prun(*a):
    print("p started with", a[0] if len(a) == 1 else a)
    return main.switch("p parked")
def exit_bye():
    raise GreenletExit("bye")

p = greenlet(prun)
c = greenlet(exit_bye, parent=p)
print("main got", c.switch())

p = greenlet(prun)
c = greenlet(lambda: "unreached", parent=p)
print("main got", c.throw())

p = greenlet(prun)
c = greenlet(lambda: "unreached", parent=p)
print("main got", c.throw(GreenletExit("early")))

d = greenlet(lambda: "d end")
print("main got", d.switch())
d.parent = greenlet(prun)
print("main got", d.throw())

p = greenlet(prun)
c = greenlet(lambda: "c result", parent=p)
print("main got", c.switch())

def qrun():
    v = main.switch("q parked")
    print("q got", type(v).__name__ + ":", v)
    return "q end"
q = greenlet(qrun)
print("main got", q.switch())
c = greenlet(exit_bye, parent=q)
print("main got", c.switch())
