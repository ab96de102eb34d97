#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* A repeating timer is rescheduled before its callback runs, so it is still
 * active inside the callback; setting repeat to 0 there does not stop it
 * (the next expiry stops it), ev_timer_stop does. */

static int count;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	count++;
	printf("fire count=%d revents=0x%x active=%d pending=%d\n", count, revents, !!ev_is_active(w),
	       !!ev_is_pending(w));
	if (count == 3) {
		w->repeat = 0.;
		printf("set repeat=0 active=%d\n", !!ev_is_active(w));
	}
}

static int count2;

static void cb2(struct ev_loop *l, ev_timer *w, int revents)
{
	count2++;
	printf("fire2 count=%d active=%d\n", count2, !!ev_is_active(w));
	if (count2 == 2) {
		ev_timer_stop(l, w);
		printf("stopped active=%d\n", !!ev_is_active(w));
	}
}

int main(void)
{
	ev_timer t, t2;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_timer_init(&t, cb, 0.005, 0.01);
	ev_timer_start(loop, &t);
	int r = ev_run(loop, 0);
	printf("run returned %d count=%d active=%d\n", r, count, !!ev_is_active(&t));

	ev_timer_init(&t2, cb2, 0., 0.005);
	ev_timer_start(loop, &t2);
	r = ev_run(loop, 0);
	printf("run returned %d count2=%d active=%d\n", r, count2, !!ev_is_active(&t2));
	ev_loop_destroy(loop);
	return 0;
}
