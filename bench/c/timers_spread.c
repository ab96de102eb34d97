/* 100k one-shot timers whose deadlines are spread evenly over 10 ms, started
 * together, run until the last fires; repeated R times. Per timer. */
#include "bench.h"

#define TIMERS 100000
static ev_timer timers[TIMERS];
static long fired;

static void cb(struct ev_loop *loop, ev_timer *w, int revents)
{
  fired++;
}

int main(void)
{
  struct ev_loop *loop = bench_loop();
  /* As many rounds as bench/geventgo/timers_spread: the first round is cold. */
  long rounds = bench_n(20), r, i;
  uint64_t t0 = now_ns();
  for (r = 0; r < rounds; r++) {
    ev_now_update(loop);
    for (i = 0; i < TIMERS; i++) {
      ev_timer_init(&timers[i], cb, 0.010 * i / TIMERS, 0.);
      ev_timer_start(loop, &timers[i]);
    }
    ev_run(loop, 0);
  }
  if (fired != rounds * TIMERS) {
    fprintf(stderr, "fired %ld of %ld\n", fired, rounds * TIMERS);
    return 1;
  }
  emit("timers_spread", "ns/op", (double)(now_ns() - t0) / (rounds * TIMERS));
  ev_loop_destroy(loop);
  return 0;
}
