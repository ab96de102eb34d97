# A throw into an unstarted greenlet starts it to die of the exception: the
# tracer sees the throw in the target (current, active, not dead), then the
# switch or throw of its death to its parent.
import greenlet as gl
from greenlet import greenlet, getcurrent
main = getcurrent()
names = {id(main): "main"}
def tr(event, args):
    origin, target = args
    print("trace", event, names[id(origin)], names[id(target)],
          "current", names[id(getcurrent())],
          "active", bool(target), "dead", target.dead)
def make(name, run=lambda *a: None, parent=None):
    g = greenlet(run, parent=getcurrent() if parent is None else parent)
    names[id(g)] = name
    return g
u = make("u")
v = make("v")
gl.settrace(tr)
r = u.throw()
print("main got", type(r).__name__)
try:
    v.throw(ValueError("early"))
except ValueError as e:
    print("main caught ValueError:", e)
def prun():
    print("p started")
    return "p end"
p = make("p", prun)
def crun():
    w = make("w", parent=p)
    print("c got", type(w.throw()).__name__)
    return "c end"
c = make("c", crun)
print("main got", c.switch())
gl.settrace(None)
print("u dead", u.dead, "v dead", v.dead, "c active", bool(c))
