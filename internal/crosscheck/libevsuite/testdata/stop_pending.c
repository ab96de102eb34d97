#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Stopping a watcher that is pending from another watcher's callback in the
 * same pass clears its pending event: it must not be invoked, whatever its
 * type. Here a priority-1 timer stops a pending priority-0 timer and io
 * watcher, an equal-priority timer stops its partner, and a check watcher
 * stops a pending idle watcher. */

static ev_timer hi, lo, x, y;
static ev_io io;
static ev_idle idle;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("invoke %s\n", (const char *)w->data);
	if (w == &hi) {
		printf("lo pending=%d io pending=%d\n", !!ev_is_pending(&lo), !!ev_is_pending(&io));
		ev_timer_stop(l, &lo);
		ev_io_stop(l, &io);
		printf("hi stopped lo and io: lo pending=%d io pending=%d\n", !!ev_is_pending(&lo),
		       !!ev_is_pending(&io));
	}
	if (w == &x || w == &y) {
		ev_timer *other = w == &x ? &y : &x;
		printf("%s stops %s: pending before=%d\n", (const char *)w->data, (const char *)other->data,
		       !!ev_is_pending(other));
		ev_timer_stop(l, other);
	}
}

static void iocb(struct ev_loop *l, ev_io *w, int revents)
{
	printf("invoke io (must not happen)\n");
}

static void idlecb(struct ev_loop *l, ev_idle *w, int revents)
{
	printf("invoke idle (must not happen)\n");
}

static void idlestopper(struct ev_loop *l, ev_check *w, int revents)
{
	printf("invoke check: idle pending=%d\n", !!ev_is_pending(&idle));
	ev_idle_stop(l, &idle);
	ev_check_stop(l, w);
}

int main(void)
{
	int fds[2];
	ev_check is;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	pipe(fds);
	write(fds[1], "x", 1);
	ev_timer_init(&hi, cb, 0., 0.);
	hi.data = "hi";
	ev_set_priority(&hi, 1);
	ev_timer_init(&lo, cb, 0., 0.);
	lo.data = "lo";
	ev_io_init(&io, iocb, fds[0], EV_READ);
	ev_timer_start(loop, &lo);
	ev_io_start(loop, &io);
	ev_timer_start(loop, &hi);
	int r = ev_run(loop, 0);
	printf("run returned %d\n", r);

	ev_timer_init(&x, cb, 0., 0.);
	x.data = "x";
	ev_timer_init(&y, cb, 0., 0.);
	y.data = "y";
	ev_timer_start(loop, &x);
	ev_timer_start(loop, &y);
	r = ev_run(loop, 0);
	printf("run returned %d\n", r);

	/* an idle watcher is only queued when nothing of its priority or
	 * above is pending, but check watchers are queued after the idle ones:
	 * a priority-1 check stops a pending priority -1 idle */
	ev_idle_init(&idle, idlecb);
	ev_set_priority(&idle, -1);
	ev_check_init(&is, idlestopper);
	ev_set_priority(&is, 1);
	ev_idle_start(loop, &idle);
	ev_check_start(loop, &is);
	r = ev_run(loop, 0);
	printf("run returned %d\n", r);
	ev_loop_destroy(loop);
	return 0;
}
