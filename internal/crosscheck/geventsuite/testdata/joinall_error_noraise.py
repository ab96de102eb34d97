# joinall without raise_error swallows failures; each greenlet keeps its exception.
import gevent

def bad():
    raise ValueError("boom")

def ok():
    return 7

gs = [gevent.spawn(bad), gevent.spawn(ok)]
done = gevent.joinall(gs)
print("done", len(done))
print("bad", gs[0].successful(), type(gs[0].exception).__name__, gs[0].exception)
print("ok", gs[1].successful(), gs[1].exception, gs[1].value)
