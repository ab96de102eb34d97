# Values travel both ways: first switch starts run, later switches resume it.
from greenlet import greenlet, getcurrent
main = getcurrent()
def run(x):
    print("child got", x)
    y = main.switch(x + 1)
    print("child got", y)
    z = main.switch(y * 2)
    print("child got", z)
    return z + 100
g = greenlet(run)
print("main got", g.switch(1))
print("main got", g.switch(5))
print("main got", g.switch(7))
print("dead", g.dead)
