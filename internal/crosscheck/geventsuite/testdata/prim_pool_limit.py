# Pool(2): at most 2 run at once; spawn blocks while full; free_count and full. Job n sleeps
# 2 ms more than job n-1, so that no two end in one loop iteration: whether two equal sleeps
# begun microseconds apart expire together depends on the machine's speed, not on the pool.
import gevent
from gevent.pool import Pool
p = Pool(2)
running = [0]
peak = [0]
def job(n):
    running[0] += 1
    peak[0] = max(peak[0], running[0])
    gevent.sleep(0.002 * (n + 1))
    running[0] -= 1
    return n
for i in range(5):
    p.spawn(job, i)
    print("spawned", i, "free", p.free_count(), "full", p.full())
p.join()
print("peak", peak[0], "len", len(p), "free", p.free_count())
