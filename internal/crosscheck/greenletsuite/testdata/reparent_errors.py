# Re-parenting: cycles, the main greenlet and None are refused.
from greenlet import greenlet, getcurrent
main = getcurrent()
a = greenlet(lambda: None)
b = greenlet(lambda: None, a)
c = greenlet(lambda: None, b)
for what, fn in (("a.parent=c", lambda: setattr(a, "parent", c)),
                 ("a.parent=a", lambda: setattr(a, "parent", a)),
                 ("main.parent=a", lambda: setattr(main, "parent", a)),
                 ("a.parent=None", lambda: setattr(a, "parent", None))):
    try:
        fn()
        print(what, "ok")
    except (ValueError, AttributeError, TypeError) as e:
        print(what, "refused")
c.parent = a
print("c.parent is a", c.parent is a)
b.parent = c
print("b.parent is c", b.parent is c)
