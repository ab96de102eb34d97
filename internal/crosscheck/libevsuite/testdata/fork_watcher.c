#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_loop_fork marks the loop; the next iteration invokes fork watchers
 * first, before the prepare watchers and the poll. Fork watchers do not fire
 * without ev_loop_fork, and a fork watcher alone keeps the loop alive like
 * any referenced watcher. */

static ev_fork fk;
static ev_prepare pr;
static ev_timer t;
static int iter;

static void forkcb(struct ev_loop *l, ev_fork *w, int revents)
{
	printf("fork revents=0x%x iteration=%u\n", revents, ev_iteration(l));
}

static void prepcb(struct ev_loop *l, ev_prepare *w, int revents)
{
	iter++;
	printf("prepare iteration=%u\n", ev_iteration(l));
}

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("timer iteration=%u\n", ev_iteration(l));
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_fork_init(&fk, forkcb);
	ev_prepare_init(&pr, prepcb);
	ev_timer_init(&t, tcb, 0., 0.);
	ev_fork_start(loop, &fk);
	ev_prepare_start(loop, &pr);
	int r = ev_run(loop, EVRUN_NOWAIT);
	printf("no fork: nowait returned %d\n", r);

	ev_loop_fork(loop);
	ev_timer_start(loop, &t);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("after ev_loop_fork: nowait returned %d\n", r);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("again: nowait returned %d\n", r);

	ev_prepare_stop(loop, &pr);
	ev_loop_fork(loop);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("fork only: nowait returned %d\n", r);
	ev_fork_stop(loop, &fk);
	r = ev_run(loop, 0);
	printf("stopped: run returned %d\n", r);
	ev_loop_destroy(loop);
	return 0;
}
