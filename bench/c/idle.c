/* N activations of one idle watcher. */
#include "bench.h"

static long count, n;

static void cb(struct ev_loop *loop, ev_idle *w, int revents)
{
  if (++count >= n)
    ev_idle_stop(loop, w);
}

int main(int argc, char **argv)
{
  const char *metric = bench_args(argc, argv, "idle");
  struct ev_loop *loop = bench_loop();
  ev_idle idle;
  n = bench_n(1000000); /* 1M activations */
  ev_idle_init(&idle, cb);
  ev_idle_start(loop, &idle);
  uint64_t t0 = now_ns();
  ev_run(loop, 0);
  emit(metric, "ns/op", (double)(now_ns() - t0) / n);
  ev_loop_destroy(loop);
  return 0;
}
