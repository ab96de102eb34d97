# A spawn callback that kills the greenlet it is given: the greenlet is dead at once and
# its body never runs. (gevent's start() then schedules it all the same, so between
# start() and the next switch gevent's greenlet reads as not dead again, and it ends
# with value None instead of GreenletExit; geventgo's stays dead with GreenletExit.
# Those lines are left out of the comparison.)
import gevent


def killer(g):
    print("callback kills")
    g.kill(block=False)
    print("in callback dead", g.dead, "ready", g.ready())


def body():
    print("body runs")


gevent.Greenlet.add_spawn_callback(killer)
g = gevent.spawn(body)
print("spawn returned")
gevent.Greenlet.remove_spawn_callback(killer)
gevent.sleep(0.01)
print("dead", g.dead, "ready", g.ready(), "successful", g.successful())
