# A greenlet kills another with block=True: the killer resumes after the victim is dead, before
# the victim's links run; main sees both finished.
import gevent

def victim():
    try:
        gevent.sleep(10)
    finally:
        print("victim finally")

v = gevent.spawn(victim)
v.link(lambda x: print("victim link"))

def killer():
    gevent.sleep(0)
    print("killer kills")
    v.kill()
    print("killer resumed, victim dead", v.dead)

k = gevent.spawn(killer)
gevent.joinall([k, v])
print("joined")
gevent.sleep(0)
print("done")
