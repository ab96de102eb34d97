#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* An io watcher and a timer that become ready in the same poll are invoked
 * in the same iteration; io events are queued before expired timers, and
 * equal-priority pending watchers run last-queued first, so the timer's
 * callback comes first. */

static unsigned base;

static void iocb(struct ev_loop *l, ev_io *w, int revents)
{
	char buf[8];
	read(w->fd, buf, sizeof buf);
	printf("io %s revents=0x%x iteration=%u\n", (const char *)w->data, revents, ev_iteration(l) - base);
}

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("timer %s revents=0x%x iteration=%u\n", (const char *)w->data, revents, ev_iteration(l) - base);
}

int main(void)
{
	int fds[2];
	ev_io io;
	ev_timer t0, t1;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	pipe(fds);
	base = ev_iteration(loop);

	ev_io_init(&io, iocb, fds[0], EV_READ);
	io.data = "pipe";
	ev_io_start(loop, &io);
	ev_timer_init(&t0, tcb, 0., 0.);
	t0.data = "zero";
	ev_timer_start(loop, &t0);
	write(fds[1], "a", 1);
	int r = ev_run(loop, EVRUN_ONCE);
	printf("once returned %d\n", r);

	/* a timer that expires while the loop is not running and data that
	 * arrives meanwhile are seen by one poll */
	ev_timer_init(&t1, tcb, 0.01, 0.);
	t1.data = "10ms";
	ev_timer_start(loop, &t1);
	write(fds[1], "b", 1);
	ev_sleep(0.03);
	r = ev_run(loop, EVRUN_ONCE);
	printf("once returned %d\n", r);

	ev_io_stop(loop, &io);
	r = ev_run(loop, 0);
	printf("run returned %d\n", r);
	ev_loop_destroy(loop);
	return 0;
}
