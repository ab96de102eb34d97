#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_iteration counts polls, ev_depth counts ev_run calls in progress, and
 * ev_pending_count is the number of watchers still waiting to be invoked in
 * the current pass (it drops by one per callback). */

static ev_timer t[4], nest, inner;
static unsigned base;

static void cb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("%s iteration=%u depth=%d pending_count=%u\n", (const char *)w->data, ev_iteration(l) - base, ev_depth(l),
	       ev_pending_count(l));
}

static void innercb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("inner iteration=%u depth=%d pending_count=%u\n", ev_iteration(l) - base, ev_depth(l),
	       ev_pending_count(l));
}

static void nestcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("nest iteration=%u depth=%d\n", ev_iteration(l) - base, ev_depth(l));
	ev_timer_start(l, &inner);
	int r = ev_run(l, EVRUN_ONCE);
	printf("nest: inner once returned %d iteration=%u depth=%d\n", r, ev_iteration(l) - base, ev_depth(l));
}

int main(void)
{
	static const char *names[4] = {"t0", "t1", "t2", "t3"};
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	base = ev_iteration(loop);
	printf("start iteration=%u depth=%d pending_count=%u\n", ev_iteration(loop) - base, ev_depth(loop),
	       ev_pending_count(loop));
	for (int i = 0; i < 4; i++) {
		ev_timer_init(&t[i], cb, 0., 0.);
		t[i].data = (void *)names[i];
		ev_set_priority(&t[i], i % 2);
		ev_timer_start(loop, &t[i]);
	}
	int r = ev_run(loop, 0);
	printf("run returned %d iteration=%u depth=%d\n", r, ev_iteration(loop) - base, ev_depth(loop));

	ev_timer_init(&nest, nestcb, 0., 0.);
	ev_timer_init(&inner, innercb, 0., 0.);
	ev_timer_start(loop, &nest);
	r = ev_run(loop, 0);
	printf("run returned %d iteration=%u depth=%d\n", r, ev_iteration(loop) - base, ev_depth(loop));
	ev_loop_destroy(loop);
	return 0;
}
