#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Timers with different deadlines, started out of order, fire in deadline
 * order, one per iteration here because the deadlines are 10 ms apart. */

static struct ev_loop *loop;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("fire %s revents=0x%x active=%d\n", (const char *)w->data, revents,
	       !!ev_is_active(w));
}

int main(void)
{
	ev_timer a, b, c;
	loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_timer_init(&a, cb, 0.03, 0.);
	a.data = "a30ms";
	ev_timer_init(&b, cb, 0.01, 0.);
	b.data = "b10ms";
	ev_timer_init(&c, cb, 0.02, 0.);
	c.data = "c20ms";
	ev_timer_start(loop, &a);
	ev_timer_start(loop, &b);
	ev_timer_start(loop, &c);
	printf("started active=%d%d%d\n", !!ev_is_active(&a), !!ev_is_active(&b), !!ev_is_active(&c));
	int r = ev_run(loop, 0);
	printf("run returned %d\n", r);
	ev_loop_destroy(loop);
	return 0;
}
