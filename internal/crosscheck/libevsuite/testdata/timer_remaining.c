#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* rem in (lo, hi], hi by one part in 10^9 more: at = now + repeat rounds up
 * by an ulp where now nears a power of two (see inRange in helpers.go). */
static int in_range(double rem, double lo, double hi) { return rem > lo && rem <= hi + hi * 1e-9; }

/* ev_timer_remaining: the after value for a timer never started, the time
 * left for an active one, and the time that was left when it was stopped.
 * Times are printed as range checks, never as values that depend on the clock. */

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	double rem = ev_timer_remaining(l, w);
	printf("in callback: active=%d remaining_in_(1.5,2]=%d\n", !!ev_is_active(w), in_range(rem, 1.5, 2.));
	ev_timer_stop(l, w);
}

int main(void)
{
	ev_timer t, r;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);

	ev_timer_init(&t, cb, 3.25, 0.);
	printf("never started: remaining=%.3f\n", ev_timer_remaining(loop, &t));

	ev_timer_start(loop, &t);
	double rem = ev_timer_remaining(loop, &t);
	printf("started: remaining_in_(3,3.25]=%d\n", in_range(rem, 3., 3.25));

	ev_sleep(0.2);
	ev_now_update(loop);
	rem = ev_timer_remaining(loop, &t);
	printf("after 0.2s: remaining_in_(2.5,3.05]=%d\n", in_range(rem, 2.5, 3.05));

	ev_timer_stop(loop, &t);
	double stopped = ev_timer_remaining(loop, &t);
	printf("stopped: remaining_in_(2.5,3.05]=%d\n", in_range(stopped, 2.5, 3.05));
	ev_sleep(0.1);
	ev_now_update(loop);
	printf("stopped, 0.1s later: unchanged=%d\n", ev_timer_remaining(loop, &t) == stopped);

	ev_timer_init(&r, cb, 0.01, 2.);
	ev_timer_start(loop, &r);
	int ret = ev_run(loop, 0);
	printf("run returned %d\n", ret);
	ev_loop_destroy(loop);
	return 0;
}
