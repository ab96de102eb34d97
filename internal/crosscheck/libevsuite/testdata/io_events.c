#include "ev_config.h"
#include "ev.c"

#include <stdio.h>
#include <sys/socket.h>

/* io watchers report exactly the ready events they asked for: a socket with
 * data waiting is READ|WRITE for a READ|WRITE watcher, WRITE for a WRITE
 * watcher; ev_io_set changes the mask of a stopped watcher; ev_feed_fd_event
 * makes every watcher of that fd pending with the events each one wants. */

static void cb(struct ev_loop *l, ev_io *w, int revents)
{
	printf("io %s revents=0x%x\n", (const char *)w->data, revents);
}

int main(void)
{
	int sv[2];
	ev_io rw, wo, ro;
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	ev_io_init(&rw, cb, sv[0], EV_READ | EV_WRITE);
	rw.data = "rw";
	ev_io_init(&wo, cb, sv[0], EV_WRITE);
	wo.data = "wo";
	ev_io_start(loop, &wo);
	int r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d\n", r);
	ev_io_stop(loop, &wo);

	write(sv[1], "x", 1);
	ev_io_start(loop, &rw);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("nowait returned %d\n", r);
	ev_io_stop(loop, &rw);

	ev_io_set(&rw, sv[0], EV_READ);
	ev_io_start(loop, &rw);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("read only: nowait returned %d events=0x%x\n", r, rw.events & (EV_READ | EV_WRITE));
	char buf[4];
	read(sv[0], buf, sizeof buf);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("drained: nowait returned %d\n", r);

	ev_io_init(&ro, cb, sv[1], EV_READ);
	ro.data = "ro";
	ev_io_start(loop, &ro);
	ev_io_start(loop, &wo);
	ev_feed_fd_event(loop, sv[0], EV_READ | EV_WRITE);
	ev_feed_fd_event(loop, sv[1], EV_WRITE);
	r = ev_run(loop, EVRUN_NOWAIT);
	printf("fed fds: nowait returned %d\n", r);
	ev_io_stop(loop, &rw);
	ev_io_stop(loop, &wo);
	ev_io_stop(loop, &ro);
	ev_loop_destroy(loop);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
