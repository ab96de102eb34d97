# Dropping the last reference to a suspended greenlet kills it: GreenletExit
# is thrown in and its finally blocks run. (Go: Close/KillAll of the main
# greenlet does the same for every started greenlet, newest first.)
import gc
from greenlet import greenlet, getcurrent
main = getcurrent()
def run(name):
    try:
        main.switch()
    finally:
        print(name, "cleanup")
g1 = greenlet(run)
g1.switch("first")
g2 = greenlet(run)
g2.switch("second")
del g2
gc.collect()
del g1
gc.collect()
print("end")
