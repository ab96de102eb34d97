#include "ev_config.h"
#include "ev.c"

#include <stdio.h>
#include <stdlib.h>

/* An ev_stat watcher on a temporary file fires when a timer callback
 * changes the file, with attr holding the new and prev the old attributes;
 * removing the file fires it again with st_nlink 0 (libev leaves the other
 * fields of attr as they were when the stat call fails). */

static char path[64];
static int count;
static ev_stat st;

static void statcb(struct ev_loop *l, ev_stat *w, int revents)
{
	count++;
	printf("stat count=%d revents=0x%x size=%lld prev_size=%lld nlink=%d prev_nlink=%d\n", count, revents,
	       (long long)w->attr.st_size, (long long)w->prev.st_size, (int)w->attr.st_nlink, (int)w->prev.st_nlink);
	if (count == 2)
		ev_stat_stop(l, w);
}

static void tcb(struct ev_loop *l, ev_timer *w, int revents)
{
	static int step;
	step++;
	if (step == 1) {
		FILE *f = fopen(path, "a");
		fputs("hello", f);
		fclose(f);
		printf("timer appended 5 bytes\n");
		ev_timer_set(w, 0.05, 0.);
		ev_timer_start(l, w);
	} else {
		unlink(path);
		printf("timer removed the file\n");
	}
}

int main(void)
{
	ev_timer t;
	strcpy(path, "/tmp/libevsuite-stat-XXXXXX");
	int fd = mkstemp(path);
	write(fd, "abc", 3);
	close(fd);
	struct ev_loop *loop = ev_loop_new(EVFLAG_NOSIGMASK);
	ev_stat_init(&st, statcb, path, 0.01);
	ev_stat_start(loop, &st);
	printf("started: size=%lld nlink=%d\n", (long long)st.attr.st_size, (int)st.attr.st_nlink);
	ev_timer_init(&t, tcb, 0.05, 0.);
	ev_timer_start(loop, &t);
	int r = ev_run(loop, 0);
	printf("run returned %d count=%d\n", r, count);
	ev_loop_destroy(loop);
	unlink(path);
	return 0;
}
