# Trace of a switch to self, to a dead greenlet, and of an error reaching
# the parent.
import greenlet as gl
from greenlet import greenlet, getcurrent
main = getcurrent()
names = {id(main): "main"}
def tr(event, args):
    print("trace", event, names[id(args[0])], names[id(args[1])])
d = greenlet(lambda: None)
names[id(d)] = "d"
d.switch()
e = greenlet(lambda: 1 // 0)
names[id(e)] = "e"
gl.settrace(tr)
main.switch()
d.switch()
d.throw()
try:
    e.switch()
except ZeroDivisionError:
    print("main caught ZeroDivisionError")
gl.settrace(None)
print("end")
