# settrace sees every switch and throw with origin and target.
import greenlet as gl
from greenlet import greenlet, getcurrent
main = getcurrent()
names = {id(main): "main"}
def tr(event, args):
    print("trace", event, names[id(args[0])], names[id(args[1])])
def run():
    try:
        main.switch()
    except ValueError:
        pass
    main.switch()
g = greenlet(run)
names[id(g)] = "g"
gl.settrace(tr)
g.switch()
g.throw(ValueError("x"))
g.throw()
u = greenlet(lambda: None)
names[id(u)] = "u"
u.throw()
gl.settrace(None)
print("end")
