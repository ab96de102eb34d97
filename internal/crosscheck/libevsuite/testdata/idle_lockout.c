#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Idle watchers are queued only when no watcher of the same or a higher
 * priority is pending, and only those of the highest priority that has
 * active idle watchers: a priority-1 idle runs alongside a pending priority-0
 * timer, while a priority -1 idle stays locked out until the priority-1 idle
 * stops. */

static ev_idle hi, lo, mid;
static ev_timer t;
static int hicount, locount, midcount, tcount;

static void hicb(struct ev_loop *l, ev_idle *w, int revents)
{
	hicount++;
	printf("idle hi count=%d revents=0x%x\n", hicount, revents);
	if (hicount == 3) {
		ev_idle_stop(l, w);
		printf("idle hi stopped\n");
	}
}

static void midcb(struct ev_loop *l, ev_idle *w, int revents)
{
	midcount++;
	printf("idle mid count=%d revents=0x%x\n", midcount, revents);
	if (midcount == 2)
		ev_idle_stop(l, w);
}

static void locb(struct ev_loop *l, ev_idle *w, int revents)
{
	locount++;
	printf("idle lo count=%d revents=0x%x\n", locount, revents);
	if (locount == 2)
		ev_idle_stop(l, w);
}

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	tcount++;
	printf("timer count=%d\n", tcount);
	if (tcount == 2) {
		ev_timer_stop(l, w);
		/* a priority-0 idle now competes with the priority -1 one */
		ev_idle_start(l, &mid);
	}
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_idle_init(&hi, hicb);
	ev_set_priority(&hi, 1);
	ev_idle_init(&lo, locb);
	ev_set_priority(&lo, -1);
	ev_idle_init(&mid, midcb);
	ev_timer_init(&t, tcb, 0., 0.);
	ev_idle_start(loop, &lo);
	ev_idle_start(loop, &hi);
	ev_timer_start(loop, &t);
	for (int i = 0; i < 8; i++) {
		unsigned before = ev_iteration(loop);
		int r = ev_run(loop, EVRUN_ONCE);
		printf("once %d returned %d iterations=%u\n", i, r, ev_iteration(loop) - before);
		if (tcount == 1 && !ev_is_active(&t))
			ev_timer_start(loop, &t);
	}
	ev_loop_destroy(loop);
	return 0;
}
