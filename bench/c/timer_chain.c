/* One zero-delay timer re-armed from its own callback, N times. The metric's
 * name can be given as argv[1]: the same chain is the C reference of
 * timer_wake (a greenlet woken by a zero-delay timer). */
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
  struct ev_loop *loop = bench_loop();
  ev_timer t;
  n = bench_n(1000000); /* 1M re-arms */
  ev_timer_init(&t, cb, 0., 0.);
  uint64_t t0 = now_ns();
  ev_timer_start(loop, &t);
  ev_run(loop, 0);
  emit(argc > 1 ? argv[1] : "timer_chain", "ns/op", (double)(now_ns() - t0) / n);
  ev_loop_destroy(loop);
  return 0;
}
