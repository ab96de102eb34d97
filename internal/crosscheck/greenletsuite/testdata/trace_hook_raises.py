# A tracer that raises is removed, and its exception is raised in the
# greenlet it ran in instead of what the switch or throw carried: a
# greenlet being started dies of it without running.
import greenlet as gl
from greenlet import greenlet, getcurrent
main = getcurrent()
names = {id(main): "main"}
calls = {"n": 0, "raise_on": 0}
def tr(event, args):
    calls["n"] += 1
    print("trace", event, names[id(args[0])], names[id(args[1])])
    if calls["n"] == calls["raise_on"]:
        raise ValueError("tracer %d" % calls["n"])
def run(x):
    print("child started with", x)
    try:
        v = main.switch("parked")
        print("child got", v)
    except ValueError as e:
        print("child caught ValueError:", e)
    return "child end"
def make(name):
    g = greenlet(run)
    names[id(g)] = name
    return g
def install(raise_on):
    calls["n"] = 0
    calls["raise_on"] = raise_on
    gl.settrace(tr)

# Raised in a greenlet that was starting.
g = make("a")
install(1)
try:
    g.switch(1)
except ValueError as e:
    print("main caught ValueError:", e)
print("removed", gl.gettrace() is None, "a dead", g.dead)
print("main got", g.switch(2))

# Raised in main as it is switched back to.
g = make("b")
install(2)
try:
    g.switch(1)
except ValueError as e:
    print("main caught ValueError:", e)
print("removed", gl.gettrace() is None)
print("main got", g.switch("again"))

# Raised in a suspended greenlet as it is resumed.
g = make("c")
install(3)
print("main got", g.switch(1))
print("main got", g.switch("lost"))
print("removed", gl.gettrace() is None)

# Raised instead of a thrown exception.
g = make("d")
print("main got", g.switch(1))
install(1)
print("main got", g.throw(KeyError("k")))
print("removed", gl.gettrace() is None)
