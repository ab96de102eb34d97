#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* A prepare watcher that starts a zero-delay timer: libev computes the poll
 * timeout after the prepare callbacks, so the timer fires in the same
 * iteration and the loop, whose only other watcher is the prepare, never
 * blocks. */

static ev_prepare p;
static ev_timer t;
static int preps;

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("timer revents=0x%x iteration=%u preps=%d\n", revents, ev_iteration(l), preps);
	if (preps == 2) {
		ev_prepare_stop(l, &p);
		printf("prepare stopped\n");
	}
}

static void pcb(struct ev_loop *l, ev_prepare *w, int revents)
{
	preps++;
	printf("prepare revents=0x%x iteration=%u\n", revents, ev_iteration(l));
	ev_timer_set(&t, 0., 0.);
	ev_timer_start(l, &t);
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_prepare_init(&p, pcb);
	ev_timer_init(&t, tcb, 0., 0.);
	ev_prepare_start(loop, &p);
	int r = ev_run(loop, 0);
	printf("run returned %d iterations=%u\n", r, ev_iteration(loop));
	ev_loop_destroy(loop);
	return 0;
}
