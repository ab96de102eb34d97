# The main greenlet has no parent, is active and not dead, and switching to
# it from itself returns the value at once.
from greenlet import greenlet, getcurrent
main = getcurrent()
print("parent is None", main.parent is None)
print("dead", main.dead, "active", bool(main))
print("self switch", main.switch(9))
def run():
    print("child sees main parent None", main.parent is None)
    return "ok"
print("main got", greenlet(run).switch())
