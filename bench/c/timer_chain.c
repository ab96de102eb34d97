/* One zero-delay timer re-armed from its own callback, N times. Arguments as
 * bench_args (bench.h) says: the same chain, named timer_wake, is the C
 * reference of timer_wake (a greenlet woken by a zero-delay timer). */
#include "bench.h"

static long count, n;

static void cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  if (++count < n) {
    ev_timer_set(w, 0., 0.);
    ev_timer_start(loop, w);
  }
}

int main(int argc, char **argv)
{
  const char *metric = bench_args(argc, argv, "timer_chain");
  struct ev_loop *loop = bench_loop();
  ev_timer t;
  n = bench_n(1000000); /* 1M re-arms */
  ev_timer_init(&t, cb, 0., 0.);
  uint64_t t0 = now_ns();
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  emit(metric, "ns/op", (double)(now_ns() - t0) / n);
  ev_loop_destroy(loop);
  return 0;
}
