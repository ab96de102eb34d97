# with_timeout returns the result, raises Timeout, or returns timeout_value instead.
import gevent

def slow():
    gevent.sleep(0.25)
    return "slow"

def fast():
    return "fast"

print("fast", gevent.with_timeout(0.05, fast))
try:
    gevent.with_timeout(0.05, slow)
except gevent.Timeout:
    print("Timeout")
print("value", gevent.with_timeout(0.05, slow, timeout_value="fallback"))
