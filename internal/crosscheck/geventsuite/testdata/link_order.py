# Links run in the order they were added, in one hub callback after the greenlet dies,
# not synchronously at death; link_value runs only on success, link_exception only on failure.
import gevent

def ok():
    print("ok body")
    return 1

g = gevent.spawn(ok)
g.link(lambda x: print("link 1", x.value))
g.link_exception(lambda x: print("link_exception"))
g.rawlink(lambda x: print("rawlink 2"))
g.link_value(lambda x: print("link_value 3", x.value))
g.link(lambda x: print("link 4"))
g.join()
print("joined")
gevent.sleep(0)
print("after sleep0")
