/* Another thread wakes the loop with ev_async_send and waits until the
 * loop's async callback acknowledges; per round trip (no coalescing). */
#include "bench.h"
#include <pthread.h>
#include <semaphore.h>

static struct ev_loop *loop;
static ev_async as;
static sem_t ack;
static long count, n;

static void cb(struct ev_loop *l, ev_async *w, int revents)
{
  count++;
  sem_post(&ack);
  if (count >= n)
    ev_break(l, EVBREAK_ALL);
}

static void *sender(void *arg)
{
  long i;
  for (i = 0; i < n; i++) {
    ev_async_send(loop, &as);
    sem_wait(&ack);
  }
  return NULL;
}

int main(void)
{
  pthread_t th;
  loop = bench_loop();
  n = bench_n(20000);
  sem_init(&ack, 0, 0);
  ev_async_init(&as, cb);
  ev_async_start(loop, &as);
  uint64_t t0 = now_ns();
  pthread_create(&th, NULL, sender, NULL);
  ev_run(loop, 0);
  pthread_join(th, NULL);
  emit("async_send", "ns/op", (double)(now_ns() - t0) / n);
  ev_loop_destroy(loop);
  return 0;
}
