# main -> a -> b -> c, each the parent of the next; values and results
# climb back one level at a time, and c can switch straight to main.
from greenlet import greenlet, getcurrent
main = getcurrent()
def c_run(x):
    print("c got", x)
    v = main.switch("c to main")
    print("c got", v)
    return "c end"
def b_run(x):
    print("b got", x)
    global cg
    cg = greenlet(c_run)
    v = cg.switch(x + 1)
    print("b got", v)
    return "b end"
def a_run(x):
    print("a got", x)
    b = greenlet(b_run)
    v = b.switch(x + 1)
    print("a got", v)
    return "a end"
a = greenlet(a_run)
print("main got", a.switch(1))
print("main got", cg.switch("main to c"))
