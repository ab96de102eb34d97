#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Cleanup watchers are invoked by ev_loop_destroy, in no guaranteed order
 * between them (so only one here plus a stopped one); they do not keep the
 * loop alive (ev_cleanup_start unrefs the loop), and a stopped cleanup
 * watcher is not invoked. */

static int count;

static void cb(struct ev_loop *l, ev_cleanup *w, int revents)
{
	count++;
	printf("cleanup %s revents=0x%x active=%d\n", (const char *)w->data, revents, !!ev_is_active(w));
}

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("timer fired\n");
}

int main(void)
{
	ev_cleanup c1, c2;
	ev_timer t;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_cleanup_init(&c1, cb);
	c1.data = "c1";
	ev_cleanup_init(&c2, cb);
	c2.data = "c2";
	ev_cleanup_start(loop, &c1);
	ev_cleanup_start(loop, &c2);
	int r = ev_run(loop, 0);
	printf("only cleanups: run returned %d count=%d\n", r, count);
	ev_timer_init(&t, tcb, 0., 0.);
	ev_timer_start(loop, &t);
	r = ev_run(loop, 0);
	printf("run returned %d count=%d\n", r, count);
	ev_cleanup_stop(loop, &c2);
	printf("destroying\n");
	ev_loop_destroy(loop);
	printf("destroyed count=%d\n", count);
	return 0;
}
