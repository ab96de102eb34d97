# A generator in greenlet style.
from greenlet import greenlet, getcurrent
main = getcurrent()
def gen(n):
    for i in range(n):
        main.switch(i * i)
    return "done"
g = greenlet(gen)
v = g.switch(4)
while not g.dead:
    print("yielded", v)
    v = g.switch()
print("final", v)
