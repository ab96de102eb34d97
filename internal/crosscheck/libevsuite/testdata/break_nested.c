#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_run called from a callback nests (ev_depth 2). EVBREAK_ONE from the
 * inner run returns only the inner one; EVBREAK_ALL returns both. */

static ev_timer outer, inner, tick;
static int mode; /* which break the inner callback uses */
static int innercount, outercount, tickcount;

static void innercb(struct ev_loop *l, ev_timer *w, int revents)
{
	innercount++;
	printf("inner count=%d depth=%d\n", innercount, ev_depth(l));
	if (innercount % 2 == 0) {
		ev_break(l, mode);
		printf("inner break %s\n", mode == EVBREAK_ALL ? "ALL" : "ONE");
	}
}

static void tickcb(struct ev_loop *l, ev_timer *w, int revents)
{
	tickcount++;
	printf("tick count=%d depth=%d\n", tickcount, ev_depth(l));
}

static void outercb(struct ev_loop *l, ev_timer *w, int revents)
{
	outercount++;
	printf("outer count=%d depth=%d\n", outercount, ev_depth(l));
	ev_timer_start(l, &inner);
	int r = ev_run(l, 0);
	printf("nested run returned %d depth=%d\n", r, ev_depth(l));
	ev_timer_stop(l, &inner);
	if (outercount < 2) {
		ev_timer_start(l, w);
		/* outer and tick are both pending in the next pass; the nested
		 * run started by outer invokes tick first thing, at depth 2 */
		ev_timer_start(l, &tick);
	}
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_timer_init(&outer, outercb, 0., 0.);
	ev_timer_init(&inner, innercb, 0.001, 0.001);
	ev_timer_init(&tick, tickcb, 0., 0.);
	mode = EVBREAK_ONE;
	ev_timer_start(loop, &outer);
	int r = ev_run(loop, 0);
	printf("run returned %d outer=%d inner=%d tick=%d depth=%d\n", r, outercount, innercount, tickcount,
	       ev_depth(loop));

	outercount = 0;
	mode = EVBREAK_ALL;
	ev_timer_start(loop, &outer);
	r = ev_run(loop, 0);
	printf("run returned %d outer=%d inner=%d tick=%d depth=%d\n", r, outercount, innercount, tickcount,
	       ev_depth(loop));
	r = ev_run(loop, 0);
	printf("run returned %d outer=%d inner=%d tick=%d\n", r, outercount, innercount, tickcount);
	ev_loop_destroy(loop);
	return 0;
}
