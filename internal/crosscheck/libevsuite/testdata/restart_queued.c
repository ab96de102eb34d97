#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* A watcher restarted (stopped and started again, or re-armed with
 * ev_timer_again) by another callback after it became pending loses that
 * pending event and fires only at its new deadline, once. A one-shot timer
 * is already inactive when it is pending: starting it again from another
 * callback keeps the pending event, so it is invoked in that pass and again
 * at its new deadline. */

static ev_timer a, b, c, d;
static int bcount, ccount, dcount;
static unsigned base;

static void acb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("a iteration=%u: b pending=%d c pending=%d\n", ev_iteration(l) - base, !!ev_is_pending(&b),
	       !!ev_is_pending(&c));
	ev_timer_stop(l, &b);
	ev_timer_set(&b, 0.01, 0.);
	ev_timer_start(l, &b);
	c.repeat = 0.02;
	ev_timer_again(l, &c);
	printf("a restarted b and re-armed c: b pending=%d active=%d c pending=%d active=%d\n", !!ev_is_pending(&b),
	       !!ev_is_active(&b), !!ev_is_pending(&c), !!ev_is_active(&c));
	/* d is a one-shot timer: libev stopped it before queueing it, so this
	 * start does not touch its pending event, which is still invoked */
	printf("d pending=%d active=%d\n", !!ev_is_pending(&d), !!ev_is_active(&d));
	ev_timer_set(&d, 0.03, 0.);
	ev_timer_start(l, &d);
	printf("a started d: d pending=%d active=%d\n", !!ev_is_pending(&d), !!ev_is_active(&d));
}

static void dcb(struct ev_loop *l, ev_timer *w, int revents)
{
	dcount++;
	printf("d count=%d late=%d active=%d\n", dcount, ev_iteration(l) - base > 1, !!ev_is_active(w));
}

static void bcb(struct ev_loop *l, ev_timer *w, int revents)
{
	bcount++;
	printf("b count=%d late=%d\n", bcount, ev_iteration(l) - base > 1);
}

static void ccb(struct ev_loop *l, ev_timer *w, int revents)
{
	ccount++;
	printf("c count=%d late=%d\n", ccount, ev_iteration(l) - base > 1);
	ev_timer_stop(l, w);
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	base = ev_iteration(loop);
	ev_timer_init(&a, acb, 0., 0.);
	ev_set_priority(&a, 1);
	ev_timer_init(&b, bcb, 0., 0.);
	ev_timer_init(&c, ccb, 0., 0.);
	ev_timer_start(loop, &b);
	ev_timer_init(&d, dcb, 0., 0.);
	ev_timer_start(loop, &c);
	ev_timer_start(loop, &d);
	ev_timer_start(loop, &a);
	int r = ev_run(loop, 0);
	printf("run returned %d bcount=%d ccount=%d dcount=%d\n", r, bcount, ccount, dcount);
	ev_loop_destroy(loop);
	return 0;
}
