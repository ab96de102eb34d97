#include "ev_config.h"
#include "ev.c"

#include <pthread.h>
#include <stdio.h>

/* Several ev_async_send calls before the loop gets to run coalesce into one
 * callback; ev_async_pending tells a send is outstanding; a send from inside
 * the callback fires once more in a later iteration; sends from another
 * thread wake a blocked loop. */

static ev_async as;
static int count;

static void cb(struct ev_loop *l, ev_async *w, int revents)
{
	count++;
	/* The fourth call is the other thread's wake: its later sends may still be landing while
	 * the callback runs, so whether one is outstanding then is a race, not libev's rule. */
	if (count == 4)
		printf("async count=%d revents=0x%x\n", count, revents);
	else
		printf("async count=%d revents=0x%x pending_after=%d\n", count, revents, ev_async_pending(w));
	if (count == 2) {
		ev_async_send(l, w);
		ev_async_send(l, w);
		printf("sent twice from the callback: async_pending=%d\n", ev_async_pending(w));
	}
	if (count == 4)
		ev_async_stop(l, w);
}

static struct ev_loop *loop;

static void *sender(void *arg)
{
	ev_sleep(0.02);
	for (int i = 0; i < 5; i++)
		ev_async_send(loop, &as);
	return 0;
}

int main(void)
{
	pthread_t th;
	loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_async_init(&as, cb);
	ev_async_start(loop, &as);
	printf("started: async_pending=%d\n", ev_async_pending(&as));
	for (int i = 0; i < 3; i++)
		ev_async_send(loop, &as);
	printf("sent 3: async_pending=%d\n", ev_async_pending(&as));
	int r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d count=%d\n", r, count);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d count=%d\n", r, count);
	for (int i = 0; i < 3; i++)
		ev_async_send(loop, &as);
	r = ev_run(loop, EVRUN_ONCE);
	printf("once returned %d count=%d\n", r, count);
	r = ev_run(loop, EVRUN_ONCE);
	printf("once returned %d count=%d\n", r, count);

	/* the loop blocks until the other thread's sends wake it, once */
	pthread_create(&th, 0, sender, 0);
	r = ev_run(loop, 0);
	printf("run returned %d count=%d\n", r, count);
	pthread_join(th, 0);
	ev_loop_destroy(loop);
	return 0;
}
