# Throwing into the current greenlet raises at once, GreenletExit included.
from greenlet import greenlet, getcurrent, GreenletExit
main = getcurrent()
try:
    main.throw()
except GreenletExit:
    print("main caught GreenletExit")
def run():
    try:
        getcurrent().throw(ValueError("self"))
    except ValueError as e:
        print("child caught", type(e).__name__ + ":", e)
    return "child end"
print("main got", greenlet(run).switch())
