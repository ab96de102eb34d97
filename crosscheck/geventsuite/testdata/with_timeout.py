# with_timeout returns the result, raises Timeout, or returns timeout_value instead.
import gevent

def slow():
    gevent.sleep(0.05)
    return "slow"

def fast():
    return "fast"

print("fast", gevent.with_timeout(0.01, fast))
try:
    gevent.with_timeout(0.01, slow)
except gevent.Timeout:
    print("Timeout")
print("value", gevent.with_timeout(0.01, slow, timeout_value="fallback"))
