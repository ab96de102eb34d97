# A child process waited on cooperatively: wait() blocks only main, a ticking greenlet runs
# meanwhile, and the exit status comes back (3). Output through a pipe with communicate().
import gevent
from gevent import subprocess

def ticker():
    for i in range(2):
        gevent.sleep(0.05)
        print("tick", i)

t = gevent.spawn(ticker)
p = subprocess.Popen(["sh", "-c", "sleep 0.3; exit 3"])
print("started")
print("exit", p.wait())
t.join()
print("quick exit", subprocess.Popen(["sh", "-c", "exit 3"]).wait())
out = subprocess.check_output(["sh", "-c", "echo hello"])
print("output", out.decode().strip())
