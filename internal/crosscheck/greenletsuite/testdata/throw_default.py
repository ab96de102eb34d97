# throw() raises GreenletExit at the switch point; uncaught, it reaches the
# parent as a value.
from greenlet import greenlet, getcurrent, GreenletExit
main = getcurrent()
def run():
    try:
        main.switch("parked")
    finally:
        print("child finally")
g = greenlet(run)
print("main got", g.switch())
r = g.throw()
print("main got", type(r).__name__)
print("dead", g.dead)
