# A signal sent to ourselves runs the handler in a greenlet after the sender returns to the hub;
# cancel() removes it; a new handler for the same signal works afterwards.
import os
import signal
import gevent

calls = []

def on_usr1(tag):
    print("handler", tag, "in greenlet", gevent.getcurrent() is not gevent.get_hub())
    calls.append(tag)

h = gevent.signal_handler(signal.SIGUSR1, on_usr1, "first")
os.kill(os.getpid(), signal.SIGUSR1)
print("after kill")
gevent.sleep(0.1)
print("main woke", len(calls))
h.cancel()
print("cancelled")
h2 = gevent.signal_handler(signal.SIGUSR1, on_usr1, "second")
os.kill(os.getpid(), signal.SIGUSR1)
gevent.sleep(0.1)
print("main woke", len(calls))
h2.cancel()
