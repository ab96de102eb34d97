# joinall(raise_error=True) does not treat a greenlet killed with GreenletExit as an error.
import gevent

g = gevent.spawn(gevent.sleep, 10)
ok = gevent.spawn(lambda: "ok")
gevent.sleep(0)
g.kill()
done = gevent.joinall([g, ok], raise_error=True)
print("no error", len(done))
