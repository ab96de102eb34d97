#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Prepare watchers run before the loop polls, check watchers after it, in
 * the same pass as the events the poll produced; checks are queued last
 * and so, at equal priority, invoked before those events. The pipe is
 * written from the prepare callback of the second iteration, so its read
 * event can only appear if the poll comes after the prepare; a zero timer
 * started from the third prepare keeps that iteration's poll from blocking. */

static int fds[2];
static int iter;
static ev_io io;
static ev_timer t;

static void prepcb(struct ev_loop *l, ev_prepare *w, int revents)
{
	iter++;
	printf("prepare iter=%d revents=0x%x loop_iteration=%u\n", iter, revents, ev_iteration(l));
	if (iter == 2) {
		write(fds[1], "x", 1);
		printf("prepare wrote the pipe\n");
	}
	if (iter == 3) {
		/* without this zero timer the third poll would block: the
		 * timeout is computed after the prepare watchers ran */
		ev_timer_set(&t, 0., 0.);
		ev_timer_start(l, &t);
		printf("prepare started a zero timer\n");
	}
}

static void checkcb(struct ev_loop *l, ev_check *w, int revents)
{
	printf("check iter=%d revents=0x%x loop_iteration=%u\n", iter, revents, ev_iteration(l));
	if (iter == 3)
		ev_break(l, EVBREAK_ONE);
}

static void iocb(struct ev_loop *l, ev_io *w, int revents)
{
	char buf[8];
	read(w->fd, buf, sizeof buf);
	printf("io iter=%d revents=0x%x\n", iter, revents);
}

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("timer iter=%d revents=0x%x\n", iter, revents);
}

int main(void)
{
	ev_prepare p;
	ev_check c;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	pipe(fds);
	ev_prepare_init(&p, prepcb);
	ev_check_init(&c, checkcb);
	ev_io_init(&io, iocb, fds[0], EV_READ);
	ev_timer_init(&t, tcb, 0., 0.);
	ev_prepare_start(loop, &p);
	ev_check_start(loop, &c);
	ev_io_start(loop, &io);
	ev_timer_start(loop, &t);
	int r = ev_run(loop, 0);
	printf("run returned %d iterations=%u\n", r, ev_iteration(loop));
	ev_loop_destroy(loop);
	return 0;
}
