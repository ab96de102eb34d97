# A child that catches GreenletExit may clean up and return a result.
from greenlet import greenlet, getcurrent, GreenletExit
main = getcurrent()
def run():
    try:
        main.switch("parked")
    except GreenletExit:
        print("child cleaning up")
        return "cleaned"
g = greenlet(run)
print("main got", g.switch())
print("main got", g.throw())
print("dead", g.dead)
