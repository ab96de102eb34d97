# After re-parenting, the result goes to the new parent.
from greenlet import greenlet, getcurrent
main = getcurrent()
def p_run():
    v = main.switch("p parked")
    print("p got", v)
    return "p end " + v
p = greenlet(p_run)
print("main got", p.switch())
def g_run():
    main.switch("g parked")
    return "g result"
g = greenlet(g_run)
print("main got", g.switch())
g.parent = p
print("main got", g.switch())
