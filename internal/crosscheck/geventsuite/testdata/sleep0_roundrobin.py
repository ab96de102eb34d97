# sleep(0) round-robin: three greenlets, three rounds each, interleave in spawn order.
import gevent

def f(name):
    for i in range(3):
        print(name, i)
        gevent.sleep(0)

gevent.joinall([gevent.spawn(f, n) for n in ("a", "b", "c")])
print("done")
