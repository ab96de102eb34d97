# The trace of a sibling switch names the sibling, not main, as origin.
import greenlet as gl
from greenlet import greenlet, getcurrent
main = getcurrent()
names = {id(main): "main"}
def tr(event, args):
    print("trace", event, names[id(args[0])], names[id(args[1])])
a = greenlet(lambda: b.switch())
b = greenlet(lambda: "b end")
names[id(a)] = "a"
names[id(b)] = "b"
gl.settrace(tr)
a.switch()
gl.settrace(None)
print("a dead", a.dead, "b dead", b.dead)
