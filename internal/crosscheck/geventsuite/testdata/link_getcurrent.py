# A link callback runs in a plain greenlet, not a gevent Greenlet; a rawlink runs in the hub.
import gevent

g = gevent.spawn(lambda: 1)
g.link(lambda x: print("link in Greenlet", isinstance(gevent.getcurrent(), gevent.Greenlet),
                       "in hub", gevent.getcurrent() is gevent.get_hub()))
g.rawlink(lambda x: print("rawlink in Greenlet", isinstance(gevent.getcurrent(), gevent.Greenlet),
                          "in hub", gevent.getcurrent() is gevent.get_hub()))
g.join()
gevent.sleep(0)
print("done")
