#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Periodic watchers: an interval periodic (offset 0, interval 10 ms) keeps
 * firing until stopped and stays active in its callback; an absolute one
 * (interval 0) fires once and is inactive in its callback; ev_periodic_at
 * of an interval periodic is a multiple of the interval. */

static int icount, acount;

static void icb(struct ev_loop *l, ev_periodic *w, int revents)
{
	icount++;
	double at = ev_periodic_at(w);
	double k = at / 0.01;
	printf("interval count=%d revents=0x%x active=%d at_is_multiple=%d\n", icount, revents, !!ev_is_active(w),
	       k - (double)(long long)(k + 0.5) < 1e-3 && k - (double)(long long)(k + 0.5) > -1e-3);
	if (icount == 3)
		ev_periodic_stop(l, w);
}

static void acb(struct ev_loop *l, ev_periodic *w, int revents)
{
	acount++;
	printf("absolute count=%d revents=0x%x active=%d\n", acount, revents, !!ev_is_active(w));
}

int main(void)
{
	ev_periodic ip, ap;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_periodic_init(&ip, icb, 0., 0.01, 0);
	ev_periodic_start(loop, &ip);
	int r = ev_run(loop, 0);
	printf("run returned %d icount=%d\n", r, icount);

	/* an absolute time in the past fires at once */
	ev_periodic_init(&ap, acb, ev_now(loop) - 10., 0., 0);
	ev_periodic_start(loop, &ap);
	r = ev_run(loop, 0);
	printf("run returned %d acount=%d\n", r, acount);

	ev_periodic_set(&ap, ev_now(loop) + 0.02, 0., 0);
	ev_periodic_start(loop, &ap);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d acount=%d\n", r, acount);
	r = ev_run(loop, 0);
	printf("run returned %d acount=%d\n", r, acount);
	ev_loop_destroy(loop);
	return 0;
}
