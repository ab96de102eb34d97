#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_run(EVRUN_NOWAIT) with nothing ready polls once without blocking,
 * invokes nothing and returns the number of active watchers; with a ready
 * watcher it invokes it; ev_run's result is activecnt after the run in every
 * mode, 0 for an empty loop. */

static int fired;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	fired++;
	printf("fire %s\n", (const char *)w->data);
}

int main(void)
{
	ev_timer far, far2, zero;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	unsigned it = ev_iteration(loop);
	int r = ev_run(loop, EVRUN_NOWAIT);
	printf("empty loop: nowait returned %d iterations=%u\n", r, ev_iteration(loop) - it);
	r = ev_run(loop, EVRUN_ONCE);
	printf("empty loop: once returned %d iterations=%u\n", r, ev_iteration(loop) - it);
	r = ev_run(loop, 0);
	printf("empty loop: run returned %d iterations=%u\n", r, ev_iteration(loop) - it);

	ev_timer_init(&far, cb, 100., 0.);
	far.data = "far";
	ev_timer_init(&far2, cb, 200., 0.);
	far2.data = "far2";
	ev_timer_start(loop, &far);
	ev_timer_start(loop, &far2);
	it = ev_iteration(loop);
	for (int i = 0; i < 3; i++) {
		r = ev_run(loop, EVRUN_NOWAIT);
		printf("two far timers: nowait returned %d fired=%d iterations=%u\n", r, fired, ev_iteration(loop) - it);
	}

	ev_timer_init(&zero, cb, 0., 0.);
	zero.data = "zero";
	ev_timer_start(loop, &zero);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("zero timer: nowait returned %d fired=%d\n", r, fired);

	ev_timer_start(loop, &zero);
	r = ev_run(loop, EVRUN_ONCE);
	printf("zero timer: once returned %d fired=%d\n", r, fired);

	ev_timer_stop(loop, &far);
	ev_timer_stop(loop, &far2);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("all stopped: nowait returned %d fired=%d iterations=%u\n", r, fired, ev_iteration(loop) - it);
	ev_loop_destroy(loop);
	return 0;
}
