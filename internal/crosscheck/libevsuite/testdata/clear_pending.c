#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_clear_pending returns the pending events and the watcher is not
 * invoked; 0 for a watcher that is not pending. From inside a callback it
 * cancels a lower-priority watcher that the same poll made pending. */

static ev_timer lo, hi;
static ev_io io;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("invoke %s revents=0x%x\n", (const char *)w->data, revents);
	if (w == &hi) {
		int ev = ev_clear_pending(l, &lo);
		printf("hi cleared lo: returned 0x%x lo_pending=%d lo_active=%d\n", ev, !!ev_is_pending(&lo),
		       !!ev_is_active(&lo));
		ev = ev_clear_pending(l, &io);
		printf("hi cleared io: returned 0x%x io_pending=%d io_active=%d\n", ev, !!ev_is_pending(&io),
		       !!ev_is_active(&io));
	}
}

static void iocb(struct ev_loop *l, ev_io *w, int revents)
{
	printf("invoke io revents=0x%x\n", revents);
}

int main(void)
{
	int fds[2];
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_timer_init(&lo, cb, 0., 0.);
	lo.data = "lo";
	ev_timer_init(&hi, cb, 0., 0.);
	hi.data = "hi";
	ev_set_priority(&hi, 2);

	printf("not pending: clear returned 0x%x\n", ev_clear_pending(loop, &lo));
	ev_feed_event(loop, &lo, EV_READ | EV_WRITE);
	printf("fed: pending=%d\n", !!ev_is_pending(&lo));
	int ev = ev_clear_pending(loop, &lo);
	printf("clear returned 0x%x pending=%d\n", ev, !!ev_is_pending(&lo));
	printf("clear again returned 0x%x\n", ev_clear_pending(loop, &lo));
	int r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d\n", r);

	pipe(fds);
	write(fds[1], "x", 1);
	ev_io_init(&io, iocb, fds[0], EV_READ);
	ev_io_start(loop, &io);
	ev_timer_start(loop, &lo);
	ev_timer_start(loop, &hi);
	r = ev_run(loop, EVRUN_ONCE);
	printf("once returned %d\n", r);
	r = ev_run(loop, EVRUN_ONCE);
	printf("once returned %d\n", r);
	ev_io_stop(loop, &io);
	ev_loop_destroy(loop);
	return 0;
}
