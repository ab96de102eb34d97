# switch() with no value: run receives nothing, the receiver of a bare
# switch gets an empty tuple.
from greenlet import greenlet, getcurrent
main = getcurrent()
def run():
    print("child started")
    v = main.switch()
    print("child got", v)
    return "end"
g = greenlet(run)
print("main got", g.switch())
print("main got", g.switch())
