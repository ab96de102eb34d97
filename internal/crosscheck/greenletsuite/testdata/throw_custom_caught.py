# A custom error thrown in is caught by the child, which carries on.
from greenlet import greenlet, getcurrent
main = getcurrent()
def run():
    try:
        main.switch("parked")
    except ValueError as e:
        print("child caught", type(e).__name__ + ":", e)
    v = main.switch("parked again")
    return "end " + v
g = greenlet(run)
print("main got", g.switch())
print("main got", g.throw(ValueError("bad")))
print("main got", g.switch("x"))
