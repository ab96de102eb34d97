#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Timers with equal deadlines (started without a time update in between)
 * are all made pending in the same iteration; this prints the order libev
 * invokes them in, for a group of zero-delay timers and a group of 10 ms ones. */

#define N 6

static int fired;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("fire %s revents=0x%x\n", (const char *)w->data, revents);
	fired++;
}

int main(void)
{
	static const char *zero[N] = {"z0", "z1", "z2", "z3", "z4", "z5"};
	static const char *late[N] = {"l0", "l1", "l2", "l3", "l4", "l5"};
	ev_timer z[N], l[N];
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	for (int i = 0; i < N; i++) {
		ev_timer_init(&l[i], cb, 0.01, 0.);
		l[i].data = (void *)late[i];
		ev_timer_init(&z[i], cb, 0., 0.);
		z[i].data = (void *)zero[i];
	}
	/* Start in a shuffled interleaving so heap order and start order differ. */
	int order[N] = {3, 0, 5, 1, 4, 2};
	for (int i = 0; i < N; i++) {
		ev_timer_start(loop, &z[order[i]]);
		ev_timer_start(loop, &l[order[i]]);
	}
	unsigned it0 = ev_iteration(loop);
	ev_run(loop, EVRUN_ONCE);
	printf("after first run: iterations=%u fired=%d\n", ev_iteration(loop) - it0, fired);
	int r = ev_run(loop, 0);
	printf("run returned %d fired=%d\n", r, fired);
	ev_loop_destroy(loop);
	return 0;
}
