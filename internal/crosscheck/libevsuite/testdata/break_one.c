#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_break(EVBREAK_ONE) from a callback makes ev_run return after the
 * current iteration's callbacks have all run; ev_run returns the number of
 * active (referenced) watchers and the next ev_run runs normally. */

static int count;
static ev_timer rep, other;

static void repcb(struct ev_loop *l, ev_timer *w, int revents)
{
	count++;
	printf("rep count=%d depth=%d\n", count, ev_depth(l));
	if (count == 2 || count == 4) {
		ev_break(l, EVBREAK_ONE);
		printf("rep broke\n");
	}
	if (count == 5)
		ev_timer_stop(l, w);
}

static void othercb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("other (same pass as the break)\n");
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_timer_init(&rep, repcb, 0., 0.001);
	ev_set_priority(&rep, 1);
	ev_timer_start(loop, &rep);
	ev_timer_init(&other, othercb, 0., 0.);
	ev_timer_start(loop, &other);
	int r = ev_run(loop, 0);
	printf("run returned %d count=%d depth=%d\n", r, count, ev_depth(loop));
	r = ev_run(loop, 0);
	printf("run returned %d count=%d\n", r, count);
	r = ev_run(loop, 0);
	printf("run returned %d count=%d\n", r, count);
	/* ev_run starts by cancelling any break requested while no run was in
	 * progress: this run goes on until the two timers have fired */
	ev_timer_set(&other, 0., 0.);
	ev_timer_start(loop, &other);
	ev_timer_set(&rep, 0.002, 0.);
	ev_timer_start(loop, &rep);
	ev_break(loop, EVBREAK_ONE);
	r = ev_run(loop, 0);
	printf("run after an outside break returned %d count=%d\n", r, count);
	ev_loop_destroy(loop);
	return 0;
}
