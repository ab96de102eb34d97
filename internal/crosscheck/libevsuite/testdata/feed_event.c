#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_feed_event: a fed watcher need not be active; feeding a pending watcher
 * again ORs the events into one invocation; feeding from inside a callback
 * makes the fed watcher run in the same pass, right after the current
 * callback when its priority is higher, after the already pending ones of
 * its own priority otherwise. */

static ev_timer stopped, hi, a, b;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("invoke %s revents=0x%x active=%d pending_count=%u\n", (const char *)w->data, revents,
	       !!ev_is_active(w), ev_pending_count(l));
	if (w == &a) {
		ev_feed_event(l, &hi, EV_CUSTOM);
		ev_feed_event(l, &stopped, EV_CUSTOM);
		printf("a fed hi and stopped\n");
	}
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_timer_init(&stopped, cb, 100., 0.);
	stopped.data = "stopped";
	ev_timer_init(&hi, cb, 100., 0.);
	hi.data = "hi";
	ev_set_priority(&hi, 1);
	ev_timer_init(&a, cb, 100., 0.);
	a.data = "a";
	ev_timer_init(&b, cb, 100., 0.);
	b.data = "b";

	ev_feed_event(loop, &stopped, EV_TIMER);
	ev_feed_event(loop, &stopped, EV_READ);
	printf("fed stopped twice: pending=%d pending_count=%u\n", !!ev_is_pending(&stopped), ev_pending_count(loop));
	int r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d pending=%d\n", r, !!ev_is_pending(&stopped));

	ev_feed_event(loop, &b, EV_TIMER);
	ev_feed_event(loop, &a, EV_TIMER);
	printf("fed b then a: pending_count=%u\n", ev_pending_count(loop));
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d pending_count=%u\n", r, ev_pending_count(loop));

	ev_timer_start(loop, &b);
	ev_feed_event(loop, &b, EV_CUSTOM);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d active=%d\n", r, !!ev_is_active(&b));
	ev_timer_stop(loop, &b);
	ev_loop_destroy(loop);
	return 0;
}
