# switch(a, b): the receiver of a pending switch gets the tuple.
from greenlet import greenlet, getcurrent
main = getcurrent()
def run(x):
    print("child got", x)
    v = main.switch(3, 4)
    print("child got", "(" + ", ".join(str(i) for i in v) + ")")
    return "end"
g = greenlet(run)
v = g.switch(1)
print("main got", "(" + ", ".join(str(i) for i in v) + ")")
print("main got", g.switch(5, 6))
