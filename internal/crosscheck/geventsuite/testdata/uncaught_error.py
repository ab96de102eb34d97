# An exception escaping a greenlet is reported on stderr (not compared) and the spawner goes on;
# the greenlet is dead, not successful, value None, exception kept.
import gevent

def bad():
    print("bad runs")
    raise ValueError("boom")

def other():
    print("other runs")
    return 2

b = gevent.spawn(bad)
o = gevent.spawn(other)
gevent.sleep(0.05)
print("main continues")
print("bad", b.dead, b.ready(), b.successful(), b.value, type(b.exception).__name__, b.exception)
print("other", o.dead, o.successful(), o.value, o.exception)
