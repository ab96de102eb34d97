# Switching to the hub from main with nothing scheduled raises LoopExit in main.
import gevent
from gevent.exceptions import LoopExit

try:
    gevent.get_hub().switch()
    print("not reached")
except LoopExit:
    print("LoopExit")
print("main continues")
gevent.sleep(0.005)
print("hub still usable")
