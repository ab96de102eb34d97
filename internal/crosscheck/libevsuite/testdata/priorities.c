#include "ev_config.h"
#include "ev.c"

#include <stdio.h>

/* Pending watchers are invoked highest priority first, whatever their type
 * and start order: zero-delay timers and an io watcher on a ready pipe with
 * priorities from EV_MINPRI to EV_MAXPRI. */

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	printf("timer %s pri=%d revents=0x%x\n", (const char *)w->data, ev_priority(w), revents);
}

static void iocb(struct ev_loop *l, ev_io *w, int revents)
{
	printf("io %s pri=%d revents=0x%x\n", (const char *)w->data, ev_priority(w), revents);
	char buf[16];
	read(w->fd, buf, sizeof buf);
	ev_io_stop(l, w);
}

int main(void)
{
	static const char *names[] = {"p0a", "m2", "p2", "m1", "p1", "p0b"};
	static const int pris[] = {0, -2, 2, -1, 1, 0};
	ev_timer t[6];
	ev_io io;
	int fds[2];
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	printf("minpri=%d maxpri=%d\n", EV_MINPRI, EV_MAXPRI);
	for (int i = 0; i < 6; i++) {
		ev_timer_init(&t[i], tcb, 0., 0.);
		ev_set_priority(&t[i], pris[i]);
		t[i].data = (void *)names[i];
		ev_timer_start(loop, &t[i]);
	}
	pipe(fds);
	write(fds[1], "x", 1);
	ev_io_init(&io, iocb, fds[0], EV_READ);
	ev_set_priority(&io, 1);
	io.data = "io1";
	ev_io_start(loop, &io);
	int r = ev_run(loop, 0);
	printf("run returned %d\n", r);
	ev_loop_destroy(loop);
	return 0;
}
