# a Channel's getters and putters are the greenlets waiting on each side;
# balance is their difference.
import gevent
from gevent.queue import Channel
ch = Channel()
def show():
    print("getters", len(ch.getters), "putters", len(ch.putters), "balance", ch.balance)
show()
gs = [gevent.spawn(ch.get) for _ in range(2)]
gevent.sleep(0)
show()
ch.put(1)
show()
ps = [gevent.spawn(ch.put, n) for n in range(3)]
gevent.sleep(0)
show()
gevent.sleep(0)
show()
ps[2].kill()
show()
print("get", ch.get())
show()
gevent.joinall(gs + ps)
print("results", [g.value for g in gs])
