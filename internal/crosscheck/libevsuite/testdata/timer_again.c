#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* rem in (lo, hi], hi by one part in 10^9 more: at = now + repeat rounds up
 * by an ulp where now nears a power of two (see inRange in helpers.go). */
static int in_range(double rem, double lo, double hi) { return rem > lo && rem <= hi + hi * 1e-9; }

/* ev_timer_again: starts an inactive timer with after=repeat, restarts an
 * active one, stops it when repeat is 0, does nothing to an inactive timer
 * with repeat 0, and always clears a pending event first. */

static int count;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	count++;
	printf("fire %s count=%d revents=0x%x active=%d\n", (const char *)w->data, count, revents,
	       !!ev_is_active(w));
	if (count == 3) {
		w->repeat = 0.;
		ev_timer_again(l, w);
		printf("again with repeat=0 in callback: active=%d\n", !!ev_is_active(w));
	}
}


int main(void)
{
	ev_timer t;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);

	ev_timer_init(&t, cb, 100., 0.);
	t.data = "t";
	ev_timer_again(loop, &t);
	printf("inactive repeat=0 again: active=%d\n", !!ev_is_active(&t));

	t.repeat = 5.;
	ev_timer_again(loop, &t);
	double rem = ev_timer_remaining(loop, &t);
	printf("inactive repeat=5 again: active=%d remaining_in_(4.5,5]=%d\n", !!ev_is_active(&t),
	       in_range(rem, 4.5, 5.));

	t.repeat = 50.;
	ev_timer_again(loop, &t);
	rem = ev_timer_remaining(loop, &t);
	printf("active repeat=50 again: active=%d remaining_in_(49.5,50]=%d\n", !!ev_is_active(&t),
	       in_range(rem, 49.5, 50.));

	ev_feed_event(loop, &t, EV_TIMER);
	printf("fed: pending=%d pending_count=%u\n", !!ev_is_pending(&t), ev_pending_count(loop));
	ev_timer_again(loop, &t);
	printf("again on pending: pending=%d active=%d pending_count=%u\n", !!ev_is_pending(&t),
	       !!ev_is_active(&t), ev_pending_count(loop));

	t.repeat = 0.;
	ev_timer_again(loop, &t);
	printf("active repeat=0 again: active=%d\n", !!ev_is_active(&t));

	/* The again above left a cleared pending slot behind; a NOWAIT run
	 * must invoke nothing. */
	int r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait run returned %d count=%d\n", r, count);

	t.repeat = 0.005;
	ev_timer_again(loop, &t);
	r = ev_run(loop, 0);
	printf("run returned %d count=%d active=%d\n", r, count, !!ev_is_active(&t));
	ev_loop_destroy(loop);
	return 0;
}
