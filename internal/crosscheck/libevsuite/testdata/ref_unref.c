#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* ev_run(0) returns when no referenced watcher is active: an unref'd
 * watcher does not keep the loop alive (ev_run returns 0 at once with only
 * that one), but still fires while something else keeps the loop running. */

static ev_timer keeper, bg;
static int bgcount;

static void bgcb(struct ev_loop *l, ev_timer *w, int revents)
{
	bgcount++;
	if (bgcount == 1)
		printf("unref'd timer fired while the loop ran\n");
}

static void keepcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("keeper fired; unref'd timer fired at least once=%d\n", bgcount >= 1);
}

int main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_timer_init(&bg, bgcb, 0.02, 0.005);
	ev_timer_start(loop, &bg);
	ev_unref(loop);
	int r = ev_run(loop, 0);
	printf("only unref'd: run returned %d bgcount=%d active=%d iterations=%u\n", r, bgcount, !!ev_is_active(&bg),
	       ev_iteration(loop));

	ev_timer_init(&keeper, keepcb, 0.05, 0.);
	ev_timer_start(loop, &keeper);
	r = ev_run(loop, 0);
	printf("run returned %d keeper_active=%d bg_active=%d\n", r, !!ev_is_active(&keeper), !!ev_is_active(&bg));

	/* re-reference before stopping, as ev.pod asks */
	ev_ref(loop);
	ev_timer_stop(loop, &bg);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("after ref+stop: nowait returned %d\n", r);

	/* an extra ev_ref counts like an active watcher in ev_run's result */
	ev_timer_set(&keeper, 0.01, 0.);
	ev_timer_start(loop, &keeper);
	ev_ref(loop);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("extra ref: nowait returned %d\n", r);
	ev_unref(loop);
	r = ev_run(loop, 0);
	printf("run returned %d\n", r);
	ev_loop_destroy(loop);
	return 0;
}
