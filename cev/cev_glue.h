/*
 * cev's C glue, compiled in the same translation unit as libev: with
 * EV_API_STATIC every ev_* function is static to ev_embed.c, so this file is
 * included (not compiled on its own) by ev_embed.c after ev.c, or by
 * ev_system.c after the system's <ev.h>, once cev_check.h has found that
 * libev fit.
 *
 * No function here calls into Go: watcher callbacks only append
 * (slot, generation, revents) to the loop's queue, which Go drains after
 * ev_run returns (ARCHITECTURE.md, The C boundary).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "cev.h"

typedef struct cev_watcher {
	uint32_t gen;
	int16_t kind;
	uint16_t queued; /* cev_hdr.queued */
	union {
		ev_watcher w;
		ev_io io;
		ev_timer timer;
		ev_periodic periodic;
		ev_idle idle;
		ev_prepare prepare;
		ev_check check;
		ev_async async;
		ev_stat stat;
		ev_fork fork;
		ev_cleanup cleanup;
	} u;
	/* child watchers: a pidfd watched by an internal, unref'd ev_io */
	ev_io child_io;
	int child_pid, child_rpid, child_rstatus, child_fd;
	struct cev_watcher *childnext; /* cev_loop.childs, while started */
	char *path; /* stat watchers: owned copy of the path */
	/* io watchers: cev's own list of the started watchers of an fd */
	struct cev_watcher *fdnext, *fdprev;
	int fdlinked; /* on the list of fd fdlinkfd */
	int fdlinkfd;
	int fdset;    /* ev_io_set since the last start: libev will call backend_modify */
} cev_watcher;

/* The Go side reads and writes these fields without a cgo call. */
_Static_assert(offsetof(cev_watcher, queued) == offsetof(cev_hdr, queued), "cev_hdr: queued");
_Static_assert(CEV_STARTQ < 65535, "cev_hdr: queued holds a startq index");
_Static_assert(offsetof(cev_watcher, u) == offsetof(cev_hdr, active), "cev_hdr: watcher offset");
_Static_assert(offsetof(cev_watcher, u.w.active) == offsetof(cev_hdr, active), "cev_hdr: active");
_Static_assert(offsetof(cev_watcher, u.w.pending) == offsetof(cev_hdr, pending), "cev_hdr: pending");
_Static_assert(offsetof(cev_watcher, u.w.priority) == offsetof(cev_hdr, priority), "cev_hdr: priority");
_Static_assert(offsetof(cev_watcher, u.w.data) == offsetof(cev_hdr, data), "cev_hdr: data");
_Static_assert(offsetof(cev_watcher, u.w.cb) == offsetof(cev_hdr, cb), "cev_hdr: cb");
_Static_assert(offsetof(cev_watcher, u.timer.at) == offsetof(cev_timer_view, at), "timer view: at");
_Static_assert(offsetof(cev_watcher, u.timer.repeat) == offsetof(cev_timer_view, repeat), "timer view: repeat");
_Static_assert(offsetof(cev_watcher, u.io.fd) == offsetof(cev_io_view, fd), "io view: fd");
_Static_assert(offsetof(cev_watcher, u.io.events) == offsetof(cev_io_view, events), "io view: events");

#define CEV_L(cl) ((struct ev_loop *)(cl)->loop)
#define CEV_W(h) ((cev_watcher *)(h))
#define CEV_OF(w) ((cev_watcher *)((char *)(w) - offsetof(cev_watcher, u)))

static void cev_push(cev_loop *cl, uint32_t slot, uint32_t gen, int revents)
{
	if (cl->qlen == cl->qcap) {
		uint32_t ncap = cl->qcap ? cl->qcap * 2 : 64;
		cev_event *nq = realloc(cl->q, (size_t)ncap * sizeof(cev_event));
		if (!nq)
			abort(); /* as libev itself does when memory runs out */
		cl->q = nq;
		cl->qcap = ncap;
	}
	cl->q[cl->qlen].slot = slot;
	cl->q[cl->qlen].gen = gen;
	cl->q[cl->qlen].revents = revents;
	cl->qlen++;
}

/* The one callback of every cev watcher. */
static void cev_cb(struct ev_loop *loop, ev_watcher *w, int revents)
{
	cev_loop *cl = (cev_loop *)ev_userdata(loop);
	cev_watcher *cw = CEV_OF(w);

	/* A resumed pass of an iteration whose prepare (and fork) watchers Go
	 * has already dispatched: libev queues them again, drop the repeat. */
	if (cl->skip_prep && ev_iteration(loop) == cl->iter0 &&
	    ((cw->kind == CEV_PREPARE && revents == EV_PREPARE) ||
	     (cw->kind == CEV_FORK && revents == EV_FORK)))
		return;
	cev_push(cl, (uint32_t)(uintptr_t)w->data, cw->gen, revents);
}

static void cev_wake_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	cev_push((cev_loop *)ev_userdata(loop), CEV_SLOT_WAKE, 0, revents);
}

/* Replaces ev_invoke_pending inside ev_run: the callbacks queue their
 * events; when that happens before the poll (pending events at the start of
 * ev_run, fork and prepare watchers), break so Go can run those callbacks
 * before the loop blocks, then Go resumes the iteration. */
static void cev_invoke_cb(struct ev_loop *loop)
{
	cev_loop *cl = (cev_loop *)ev_userdata(loop);
	uint32_t before = cl->qlen;

	if (cl->entry_break) {
		/* ev_run's entry invoke: a fed callback Go ran before this ev_run
		 * broke the loop; as in C, the prepare watchers still run and the
		 * iteration ends before the poll. */
		cl->entry_break = 0;
		ev_break(loop, EVBREAK_ONE);
	}
	ev_invoke_pending(loop);
	if (cl->qlen != before) {
		cev_push(cl, CEV_SLOT_SEP, 0, 0);
		if (cl->in_run && ev_iteration(loop) == cl->iter0) {
			cl->prepoll = 1;
			ev_break(loop, EVBREAK_ONE);
		}
	}
}

/*
 * Dead fds. libev 4.33 asserts (and aborts) when epoll_ctl fails with EBADF
 * for an fd whose watcher set changed after the fd was closed; without the
 * assertion it would run fd_kill: stop every watcher of the fd and feed
 * each EV_ERROR|EV_READ|EV_WRITE. cev does that itself, before libev looks:
 * it keeps its own list of started io watchers per fd and the fds whose
 * list changed since the last ev_run; just before ev_run (same cgo call) it
 * checks with fcntl(F_GETFD) each changed fd for which libev is about to
 * call the backend (mask now non-zero and different from what libev last
 * registered, or a fresh ev_io_set), so the common stop-and-restart with
 * an unchanged mask costs no syscall.
 */
typedef struct cev_fdent {
	cev_watcher *head;
	unsigned char mask;  /* events libev registered at the last ev_run */
	unsigned char dirty; /* on the dirty list */
	unsigned char force; /* libev will call backend_modify even if mask is unchanged */
} cev_fdent;

typedef struct cev_fdtab {
	cev_fdent *ent;
	int nent;
	int *dirty;
	int ndirty, capdirty;
	/* The poll backend asserts on POLLNVAL, which a closed fd gives even
	 * when nothing changed: with it, one poll(0) of every watched fd runs
	 * before each ev_run (the backend itself is O(fds) per iteration). */
	int pollscan;
	struct pollfd *pfd;
	int cappfd;
} cev_fdtab;

static cev_fdent *cev_fdent_get(cev_loop *cl, int fd)
{
	cev_fdtab *t = (cev_fdtab *)cl->fdt;

	if (fd >= t->nent) {
		int n = t->nent ? t->nent : 64;
		cev_fdent *ne;

		while (n <= fd)
			n *= 2;
		ne = realloc(t->ent, (size_t)n * sizeof(*ne));
		if (!ne)
			abort(); /* as libev does when memory runs out */
		memset(ne + t->nent, 0, (size_t)(n - t->nent) * sizeof(*ne));
		t->ent = ne;
		t->nent = n;
	}
	return &t->ent[fd];
}

static void cev_fd_dirty(cev_loop *cl, int fd, cev_fdent *e)
{
	cev_fdtab *t = (cev_fdtab *)cl->fdt;

	if (e->dirty)
		return;
	if (t->ndirty == t->capdirty) {
		int n = t->capdirty ? t->capdirty * 2 : 16;
		int *nd = realloc(t->dirty, (size_t)n * sizeof(int));
		if (!nd)
			abort();
		t->dirty = nd;
		t->capdirty = n;
	}
	t->dirty[t->ndirty++] = fd;
	e->dirty = 1;
}

static void cev_fd_unlink(cev_loop *cl, cev_watcher *cw, int was_active);

static void cev_fd_link(cev_loop *cl, cev_watcher *cw)
{
	int fd = cw->u.io.fd;
	cev_fdent *e;

	if (cw->fdlinked) /* killed by libev itself, started again */
		cev_fd_unlink(cl, cw, 0);
	e = cev_fdent_get(cl, fd);

	cw->fdprev = NULL;
	cw->fdnext = e->head;
	if (e->head)
		e->head->fdprev = cw;
	e->head = cw;
	cw->fdlinked = 1;
	cw->fdlinkfd = fd;
	if (cw->fdset) {
		e->force = 1;
		cw->fdset = 0;
	}
	cev_fd_dirty(cl, fd, e);
}

static void cev_fd_unlink(cev_loop *cl, cev_watcher *cw, int was_active)
{
	cev_fdent *e;

	if (!cw->fdlinked)
		return;
	e = &((cev_fdtab *)cl->fdt)->ent[cw->fdlinkfd];
	if (cw->fdprev)
		cw->fdprev->fdnext = cw->fdnext;
	else
		e->head = cw->fdnext;
	if (cw->fdnext)
		cw->fdnext->fdprev = cw->fdprev;
	cw->fdnext = cw->fdprev = NULL;
	cw->fdlinked = 0;
	/* Stopped behind cev's back (libev's own fd_kill after a backend
	 * error): what libev registered is unknown, check next time. */
	if (!was_active)
		e->force = 1;
	cev_fd_dirty(cl, cw->fdlinkfd, e);
}

/* libev's fd_kill, done before libev sees the dead fd. */
static void cev_fd_kill(cev_loop *cl, cev_fdent *e)
{
	struct ev_loop *loop = CEV_L(cl);
	cev_watcher *cw;

	while ((cw = e->head)) {
		e->head = cw->fdnext;
		if (cw->fdnext)
			cw->fdnext->fdprev = NULL;
		cw->fdnext = cw->fdprev = NULL;
		cw->fdlinked = 0;
		if (!ev_is_active(&cw->u.w))
			continue;
		cw->gen++;
		ev_io_stop(loop, &cw->u.io);
		cl->activecnt--;
		ev_feed_event(loop, &cw->u.w, EV_ERROR | EV_READ | EV_WRITE);
	}
}

/* Runs before every ev_run: see "Dead fds" above. */
static void cev_fd_check(cev_loop *cl)
{
	cev_fdtab *t = (cev_fdtab *)cl->fdt;
	int i;

	for (i = 0; i < t->ndirty; i++) {
		int fd = t->dirty[i];
		cev_fdent *e = &t->ent[fd];
		unsigned char mask = 0;
		cev_watcher *cw;

		for (cw = e->head; cw; cw = cw->fdnext)
			if (ev_is_active(&cw->u.w))
				mask |= (unsigned char)(cw->u.io.events & (EV_READ | EV_WRITE));
		if (mask && (mask != e->mask || e->force) &&
		    fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			cev_fd_kill(cl, e);
			mask = 0;
		}
		e->mask = mask;
		e->force = 0;
		e->dirty = 0;
	}
	t->ndirty = 0;
}

/* Poll backend: find the watched fds that are closed, in one syscall. */
static void cev_fd_pollscan(cev_loop *cl)
{
	cev_fdtab *t = (cev_fdtab *)cl->fdt;
	int fd, n = 0, i;

	for (fd = 0; fd < t->nent; fd++) {
		if (!t->ent[fd].head)
			continue;
		if (n == t->cappfd) {
			int c = t->cappfd ? t->cappfd * 2 : 16;
			struct pollfd *np = realloc(t->pfd, (size_t)c * sizeof(*np));
			if (!np)
				abort();
			t->pfd = np;
			t->cappfd = c;
		}
		t->pfd[n].fd = fd;
		t->pfd[n].events = 0;
		t->pfd[n].revents = 0;
		n++;
	}
	if (n == 0 || poll(t->pfd, (nfds_t)n, 0) <= 0)
		return;
	for (i = 0; i < n; i++)
		if (t->pfd[i].revents & POLLNVAL) {
			cev_fd_kill(cl, &t->ent[t->pfd[i].fd]);
			t->ent[t->pfd[i].fd].mask = 0;
		}
}

/* After ev_loop_fork libev registers every fd again. */
static void cev_fd_rearm_all(cev_loop *cl)
{
	cev_fdtab *t = (cev_fdtab *)cl->fdt;
	int fd;

	for (fd = 0; fd < t->nent; fd++)
		if (t->ent[fd].head) {
			t->ent[fd].force = 1;
			cev_fd_dirty(cl, fd, &t->ent[fd]);
		}
}

/* A timer due sooner than this does not count as a wait: the loop time
 * libev compares it with is already behind by the callbacks just run. */
#define CEV_WAIT_MIN 1e-4

/* Starts a timer. The system libev hides its timer heap from
 * cev_may_block, so a start that will be due at once (ev_timer_set's after,
 * still relative before the start) is noted until the next ev_run. */
static void cev_start_timer(cev_loop *cl, ev_timer *t)
{
#ifndef CEV_EMBEDDED
	if (t->at < CEV_WAIT_MIN)
		cl->due = 1;
#endif
	ev_timer_start(CEV_L(cl), t);
}

/* Starts the timers Go queued (cev_loop.startq), in order, and applies the
 * ev_ref/ev_unref calls Go counted (cev_loop.refdelta). Go counted both in
 * activecnt already. Nothing between the queueing and this call can move
 * the loop's clock: every call that can flushes first. */
void cev_flush(cev_loop *cl)
{
	uint32_t i, n = cl->startn;
	int32_t d = cl->refdelta;

	cl->refdelta = 0;
	for (; d > 0; d--)
		ev_ref(CEV_L(cl));
	for (; d < 0; d++)
		ev_unref(CEV_L(cl));
	cl->startn = 0;
	for (i = 0; i < n; i++) {
		cev_watcher *cw = CEV_W(cl->startq[i]);

		if (!cw)
			continue; /* stopped before it was started */
		cw->queued = 0;
		cev_start_timer(cl, &cw->u.timer);
	}
}

#define CEV_FLUSH(cl) do { if ((cl)->startn || (cl)->refdelta) cev_flush(cl); } while (0)

cev_loop *cev_loop_new(unsigned int flags)
{
	cev_loop *cl = calloc(1, sizeof(*cl));
	ev_async *wake = calloc(1, sizeof(*wake));
	cev_fdtab *fdt = calloc(1, sizeof(*fdt));
	struct ev_loop *loop;

	if (!cl || !wake || !fdt) {
		free(cl);
		free(wake);
		free(fdt);
		return NULL;
	}
	loop = ev_loop_new(flags | EVFLAG_NOENV | EVFLAG_NOSIGMASK);
	if (!loop) {
		free(cl);
		free(wake);
		free(fdt);
		return NULL;
	}
	cl->loop = loop;
	cl->wake = wake;
	cl->fdt = fdt;
	fdt->pollscan = ev_backend(loop) == EVBACKEND_POLL;
	ev_set_userdata(loop, cl);
	ev_set_invoke_pending_cb(loop, cev_invoke_cb);
	ev_async_init(wake, cev_wake_cb);
	ev_set_priority(wake, EV_MAXPRI);
	ev_async_start(loop, wake);
	ev_unref(loop); /* the wake-up watcher must not keep ev_run alive */
	cl->activecnt = 0;
	cl->now = ev_now(loop);
	return cl;
}

/* Destroys the libev loop; cleanup watchers queue their events, which Go
 * dispatches before cev_loop_free. */
void cev_loop_destroy(cev_loop *cl)
{
	CEV_FLUSH(cl);
	cl->qlen = 0;
	cl->in_run = 0;
	ev_loop_destroy(CEV_L(cl));
	cl->loop = NULL;
}

void cev_loop_free(cev_loop *cl)
{
	cev_fdtab *t = (cev_fdtab *)cl->fdt;

	free(t->ent);
	free(t->dirty);
	free(t->pfd);
	free(t);
	free(cl->q);
	free(cl->wake);
	free(cl);
}

/* Whether ev_run, called now, may wait in its poll (ev.c, ev_run's
 * waittime). The embedded libev answers exactly: something is active,
 * nothing is pending, no idle watcher or skipped async wake-up, no timer or
 * periodic due. The system's libev keeps its timers out of sight, so there
 * the answer is that something is active, nothing is pending, no idle
 * watcher runs and no timer started since the last ev_run is due at once: a
 * loop whose older timer is due asks Go's check for nothing. */
static int cev_may_block(cev_loop *cl)
{
#ifdef CEV_EMBEDDED
	struct ev_loop *loop = CEV_L(cl);
	int pri;

	if (!loop->activecnt || loop->idleall || loop->pipe_write_skipped)
		return 0;
	for (pri = 0; pri < NUMPRI; pri++)
		if (loop->pendingcnt[pri])
			return 0;
	if (loop->timercnt && ANHE_at(loop->timers[HEAP0]) - loop->mn_now < CEV_WAIT_MIN)
		return 0;
#if EV_PERIODIC_ENABLE
	if (loop->periodiccnt && ANHE_at(loop->periodics[HEAP0]) - ev_rt_now < CEV_WAIT_MIN)
		return 0;
#endif
	return 1;
#else
	return cl->activecnt != 0 && !cl->nidle && !cl->due && !ev_pending_count(CEV_L(cl));
#endif
}

int cev_run(cev_loop *cl, int flags, int resume, int ask)
{
	struct ev_loop *loop = CEV_L(cl);

	CEV_FLUSH(cl);
	cl->mayblock = !(flags & EVRUN_NOWAIT) && cev_may_block(cl);
	if (ask && cl->mayblock)
		return 1;
	cl->qlen = 0;
	cl->prepoll = 0;
	cl->skip_prep = resume;
	cl->iter0 = ev_iteration(loop);
	if (((cev_fdtab *)cl->fdt)->ndirty)
		cev_fd_check(cl);
	if (((cev_fdtab *)cl->fdt)->pollscan)
		cev_fd_pollscan(cl);
	cl->in_run = 1;
	cl->activecnt = ev_run(loop, flags);
	cl->in_run = 0;
	if (!cl->prepoll)
		cl->due = 0; /* the poll ran: a due timer has fired */
	cl->skip_prep = 0;
	cl->now = ev_now(loop);
	return 0;
}

void cev_break(cev_loop *cl, int how) { CEV_FLUSH(cl); ev_break(CEV_L(cl), how); }
void cev_now_update(cev_loop *cl) { CEV_FLUSH(cl); ev_now_update(CEV_L(cl)); cl->now = ev_now(CEV_L(cl)); }
unsigned int cev_iteration(cev_loop *cl) { CEV_FLUSH(cl); return ev_iteration(CEV_L(cl)); }
unsigned int cev_pending_count(cev_loop *cl) { CEV_FLUSH(cl); return ev_pending_count(CEV_L(cl)); }
unsigned int cev_backend(cev_loop *cl) { CEV_FLUSH(cl); return ev_backend(CEV_L(cl)); }
unsigned int cev_supported_backends(void) { return ev_supported_backends(); }
unsigned int cev_recommended_backends(void) { return ev_recommended_backends(); }
unsigned int cev_embeddable_backends(void) { return ev_embeddable_backends(); }
void cev_suspend(cev_loop *cl) { CEV_FLUSH(cl); ev_suspend(CEV_L(cl)); }
void cev_resume(cev_loop *cl) { CEV_FLUSH(cl); ev_resume(CEV_L(cl)); cl->now = ev_now(CEV_L(cl)); }
void cev_set_io_collect_interval(cev_loop *cl, double d) { CEV_FLUSH(cl); ev_set_io_collect_interval(CEV_L(cl), d); }
void cev_set_timeout_collect_interval(cev_loop *cl, double d) { CEV_FLUSH(cl); ev_set_timeout_collect_interval(CEV_L(cl), d); }
void cev_verify(cev_loop *cl) { CEV_FLUSH(cl); ev_verify(CEV_L(cl)); }
void cev_loop_fork(cev_loop *cl) { CEV_FLUSH(cl); ev_loop_fork(CEV_L(cl)); cev_fd_rearm_all(cl); }
void cev_wake(cev_loop *cl) { ev_async_send(CEV_L(cl), (ev_async *)cl->wake); }
double cev_time(void) { return ev_time(); }

/* The linked libev's version and the headers' (ev.pod, GLOBAL FUNCTIONS). */
void cev_version(int *major, int *minor, int *hmajor, int *hminor)
{
	*major = ev_version_major();
	*minor = ev_version_minor();
	*hmajor = EV_VERSION_MAJOR;
	*hminor = EV_VERSION_MINOR;
}

int cev_real_activecnt(cev_loop *cl)
{
	CEV_FLUSH(cl);
#ifdef CEV_EMBEDDED
	return CEV_L(cl)->activecnt;
#else
	return -1; /* the system libev keeps struct ev_loop opaque */
#endif
}

/* Feeds an fd event; during Go's dispatch (collect) the resulting pending
 * watchers are queued at once so Go can put them on its pending stacks. */
void cev_feed_fd_event(cev_loop *cl, int fd, int revents, int collect)
{
	CEV_FLUSH(cl);
	ev_feed_fd_event(CEV_L(cl), fd, revents);
	if (collect) {
		cl->qlen = 0;
		ev_invoke_pending(CEV_L(cl));
	}
}

/* Invokes what feeds outside ev_run left on libev's pending stacks, so Go
 * can run those callbacks before ev_run queues the prepare and fork
 * watchers: in C, ev_run's first EV_INVOKE_PENDING runs them before it
 * looks at which prepare watchers are active. */
void cev_invoke_fed(cev_loop *cl)
{
	CEV_FLUSH(cl);
	cl->qlen = 0;
	ev_invoke_pending(CEV_L(cl));
}

/* The bytes a watcher of kind needs: io, stat and child watchers use the
 * fields after the union; the others end with their libev struct. A timer
 * then takes 64 bytes instead of the whole union (ev_stat's two struct stat),
 * so libev's heap, which writes into every watcher it moves, stays in as few
 * cache lines as C's own arrays of ev_timer. */
static size_t cev_watcher_size(int kind)
{
	size_t u = offsetof(cev_watcher, u);

	switch (kind) {
	case CEV_TIMER: return u + sizeof(ev_timer);
	case CEV_PERIODIC: return u + sizeof(ev_periodic);
	case CEV_IDLE: return u + sizeof(ev_idle);
	case CEV_PREPARE: return u + sizeof(ev_prepare);
	case CEV_CHECK: return u + sizeof(ev_check);
	case CEV_ASYNC: return u + sizeof(ev_async);
	case CEV_FORK: return u + sizeof(ev_fork);
	case CEV_CLEANUP: return u + sizeof(ev_cleanup);
	case CEV_SIGNAL: return u + sizeof(ev_watcher);
	}
	return sizeof(cev_watcher);
}

/* Whether a watcher of kind has the fields after the union. */
static int cev_watcher_full(int kind)
{
	return cev_watcher_size(kind) == sizeof(cev_watcher);
}

cev_hdr *cev_watcher_new(int kind, uint32_t slot)
{
	cev_watcher *cw = calloc(1, cev_watcher_size(kind));

	if (!cw)
		return NULL;
	cw->kind = kind;
	if (cev_watcher_full(kind))
		cw->child_fd = -1;
	ev_init(&cw->u.w, cev_cb);
	cw->u.w.data = (void *)(uintptr_t)slot;
	return (cev_hdr *)cw;
}

void cev_watcher_free(cev_hdr *h)
{
	cev_watcher *cw = CEV_W(h);

	if (cev_watcher_full(cw->kind)) {
		if (cw->child_fd >= 0)
			close(cw->child_fd);
		free(cw->path);
	}
	free(cw);
}

/* Stops a child watcher's pidfd watcher (unref'd while active) and closes the pidfd. */
static void cev_child_io_stop(struct ev_loop *loop, cev_watcher *cw)
{
	if (ev_is_active(&cw->child_io)) {
		ev_ref(loop);
		ev_io_stop(loop, &cw->child_io);
	}
	if (cw->child_fd >= 0) {
		close(cw->child_fd);
		cw->child_fd = -1;
	}
}

static void cev_child_unlink(cev_loop *cl, cev_watcher *cw)
{
	cev_watcher **p = (cev_watcher **)&cl->childs;

	for (; *p; p = &(*p)->childnext)
		if (*p == cw) {
			*p = cw->childnext;
			cw->childnext = NULL;
			return;
		}
}

/* The pidfd of a child watcher's process is readable: reap it and, as libev's child_reap does,
 * report the status to every started child watcher of that pid. If someone else reaped it
 * first (os/exec, another loop), there is no status: the watcher gets EV_ERROR and is stopped,
 * as libev stops a watcher it reports an error to. */
static void cev_child_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	cev_watcher *cw = (cev_watcher *)((char *)io - offsetof(cev_watcher, child_io));
	cev_loop *cl = ev_userdata(loop);
	cev_watcher *w;
	int status = 0;
	pid_t r = waitpid(cw->child_pid, &status, WNOHANG);

	(void)revents;
	if (r == 0 || (r < 0 && errno == EINTR))
		return; /* not exited yet (spurious readiness), or try again */
	if (r < 0) {
		cev_child_io_stop(loop, cw);
		cev_child_unlink(cl, cw);
		cw->u.w.active = 0;
		ev_unref(loop);
		cw->child_rpid = 0;
		cw->child_rstatus = 0;
		ev_feed_event(loop, &cw->u.w, EV_CHILD | EV_ERROR);
		return;
	}
	for (w = cl->childs; w; w = w->childnext) {
		if (w->child_pid != r)
			continue;
		cev_child_io_stop(loop, w);
		w->child_rpid = r;
		w->child_rstatus = status;
		ev_feed_event(loop, &w->u.w, EV_CHILD);
	}
}

/* Whether starting cw counts in libev's activecnt: ev_cleanup_start unrefs
 * the loop (a cleanup watcher keeps no loop alive) and ev_cleanup_stop refs
 * it back, so a cleanup watcher never changes the count. */
static int cev_counted(const cev_watcher *cw) { return cw->kind != CEV_CLEANUP; }

/* Returns 0 or -errno. */
int cev_start(cev_loop *cl, cev_hdr *h)
{
	struct ev_loop *loop = CEV_L(cl);
	cev_watcher *cw = CEV_W(h);
	int was;

	CEV_FLUSH(cl);
	was = !!ev_is_active(&cw->u.w);

	if (was)
		return 0;
	switch (cw->kind) {
	case CEV_IO:
		if (fcntl(cw->u.io.fd, F_GETFD) < 0)
			return -EBADF;
		ev_io_start(loop, &cw->u.io);
		cev_fd_link(cl, cw);
		break;
	case CEV_TIMER: cev_start_timer(cl, &cw->u.timer); break;
	case CEV_PERIODIC: ev_periodic_start(loop, &cw->u.periodic); break;
	case CEV_IDLE: ev_idle_start(loop, &cw->u.idle); cl->nidle++; break;
	case CEV_PREPARE: ev_prepare_start(loop, &cw->u.prepare); break;
	case CEV_CHECK: ev_check_start(loop, &cw->u.check); break;
	case CEV_ASYNC: ev_async_start(loop, &cw->u.async); break;
	case CEV_STAT: ev_stat_start(loop, &cw->u.stat); break;
	case CEV_FORK: ev_fork_start(loop, &cw->u.fork); break;
	case CEV_CLEANUP: ev_cleanup_start(loop, &cw->u.cleanup); break;
	case CEV_SIGNAL:
		/* libev's signal support is compiled out: the watcher is only
		 * marked active and counted, Go feeds it. */
		cw->u.w.active = 1;
		ev_ref(loop);
		break;
	case CEV_CHILD: {
		int fd = (int)syscall(SYS_pidfd_open, cw->child_pid, 0);
		if (fd < 0)
			return -errno;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		cw->child_fd = fd;
		cw->child_rpid = 0;
		cw->child_rstatus = 0;
		ev_io_init(&cw->child_io, cev_child_io_cb, fd, EV_READ);
		ev_set_priority(&cw->child_io, EV_MAXPRI);
		ev_io_start(loop, &cw->child_io);
		ev_unref(loop);
		cw->u.w.active = 1;
		ev_ref(loop);
		cw->childnext = cl->childs;
		cl->childs = cw;
		break;
	}
	default:
		return -EINVAL;
	}
	cl->activecnt += cev_counted(cw) * (!!ev_is_active(&cw->u.w) - was);
	return 0;
}

void cev_stop(cev_loop *cl, cev_hdr *h)
{
	struct ev_loop *loop = CEV_L(cl);
	cev_watcher *cw = CEV_W(h);
	int was;

	CEV_FLUSH(cl);
	was = !!ev_is_active(&cw->u.w);

	cw->gen++;
	switch (cw->kind) {
	case CEV_IO:
		ev_io_stop(loop, &cw->u.io);
		cev_fd_unlink(cl, cw, was);
		break;
	case CEV_TIMER: ev_timer_stop(loop, &cw->u.timer); break;
	case CEV_PERIODIC: ev_periodic_stop(loop, &cw->u.periodic); break;
	case CEV_IDLE:
		ev_idle_stop(loop, &cw->u.idle);
		cl->nidle -= was;
		break;
	case CEV_PREPARE: ev_prepare_stop(loop, &cw->u.prepare); break;
	case CEV_CHECK: ev_check_stop(loop, &cw->u.check); break;
	case CEV_ASYNC: ev_async_stop(loop, &cw->u.async); break;
	case CEV_STAT: ev_stat_stop(loop, &cw->u.stat); break;
	case CEV_FORK: ev_fork_stop(loop, &cw->u.fork); break;
	case CEV_CLEANUP: ev_cleanup_stop(loop, &cw->u.cleanup); break;
	case CEV_CHILD:
		cev_child_io_stop(loop, cw);
		if (was)
			cev_child_unlink(cl, cw);
		/* fall through */
	case CEV_SIGNAL:
		ev_clear_pending(loop, &cw->u.w);
		if (was) {
			cw->u.w.active = 0;
			ev_unref(loop);
		}
		break;
	}
	cl->activecnt += cev_counted(cw) * (!!ev_is_active(&cw->u.w) - was);
}

void cev_feed_event(cev_loop *cl, cev_hdr *h, int revents) { CEV_FLUSH(cl); ev_feed_event(CEV_L(cl), &CEV_W(h)->u.w, revents); }

int cev_clear_pending(cev_loop *cl, cev_hdr *h)
{
	CEV_FLUSH(cl);
	CEV_W(h)->gen++;
	return ev_clear_pending(CEV_L(cl), &CEV_W(h)->u.w);
}

void cev_set_priority(cev_hdr *h, int pri) { ev_set_priority(&CEV_W(h)->u.w, pri); }
void cev_io_set(cev_hdr *h, int fd, int events)
{
	ev_io_set(&CEV_W(h)->u.io, fd, events);
	CEV_W(h)->fdset = 1;
}

void cev_timer_again(cev_loop *cl, cev_hdr *h)
{
	cev_watcher *cw = CEV_W(h);
	int was;

	CEV_FLUSH(cl);
	was = !!ev_is_active(&cw->u.w);

	/* ev_timer_again starts with clear_pending: an event of this timer
	 * already queued for Go must not be dispatched either. */
	cw->gen++;
	ev_timer_again(CEV_L(cl), &cw->u.timer);
	cl->activecnt += !!ev_is_active(&cw->u.w) - was;
}

double cev_timer_remaining(cev_loop *cl, cev_hdr *h) { CEV_FLUSH(cl); return ev_timer_remaining(CEV_L(cl), &CEV_W(h)->u.timer); }

void cev_periodic_set(cev_hdr *h, double offset, double interval)
{
	ev_periodic_set(&CEV_W(h)->u.periodic, offset, interval, 0);
}

void cev_periodic_again(cev_loop *cl, cev_hdr *h)
{
	cev_watcher *cw = CEV_W(h);
	int was;

	CEV_FLUSH(cl);
	was = !!ev_is_active(&cw->u.w);

	/* ev_periodic_again is stop + start, and stop clears a pending event:
	 * drop one already queued for Go as well. */
	cw->gen++;
	ev_periodic_again(CEV_L(cl), &cw->u.periodic);
	cl->activecnt += !!ev_is_active(&cw->u.w) - was;
}

double cev_periodic_at(cev_hdr *h) { return ev_periodic_at(&CEV_W(h)->u.periodic); }

void cev_periodic_get(cev_hdr *h, double *offset, double *interval)
{
	*offset = CEV_W(h)->u.periodic.offset;
	*interval = CEV_W(h)->u.periodic.interval;
}

/* Takes ownership of path (malloc'd). */
void cev_stat_set(cev_hdr *h, char *path, double interval)
{
	cev_watcher *cw = CEV_W(h);

	free(cw->path);
	cw->path = path;
	ev_stat_set(&cw->u.stat, cw->path, interval);
}

void cev_stat_stat(cev_loop *cl, cev_hdr *h) { CEV_FLUSH(cl); ev_stat_stat(CEV_L(cl), &CEV_W(h)->u.stat); }

static void cev_statdata_copy(cev_statdata *d, const ev_statdata *s)
{
	d->dev = s->st_dev;
	d->ino = s->st_ino;
	d->nlink = s->st_nlink;
	d->rdev = s->st_rdev;
	d->mode = s->st_mode;
	d->uid = s->st_uid;
	d->gid = s->st_gid;
	d->size = s->st_size;
	d->atime = s->st_atim.tv_sec + s->st_atim.tv_nsec * 1e-9;
	d->mtime = s->st_mtim.tv_sec + s->st_mtim.tv_nsec * 1e-9;
	d->ctime = s->st_ctim.tv_sec + s->st_ctim.tv_nsec * 1e-9;
}

void cev_stat_get(cev_hdr *h, cev_statdata *attr, cev_statdata *prev, double *interval)
{
	cev_watcher *cw = CEV_W(h);

	cev_statdata_copy(attr, &cw->u.stat.attr);
	cev_statdata_copy(prev, &cw->u.stat.prev);
	*interval = cw->u.stat.interval;
}

void cev_async_send(cev_loop *cl, cev_hdr *h) { ev_async_send(CEV_L(cl), &CEV_W(h)->u.async); }
int cev_async_pending(cev_hdr *h) { return ev_async_pending(&CEV_W(h)->u.async); }
void cev_child_set(cev_hdr *h, int pid) { CEV_W(h)->child_pid = pid; }

void cev_child_get(cev_hdr *h, int *rpid, int *rstatus)
{
	*rpid = CEV_W(h)->child_rpid;
	*rstatus = CEV_W(h)->child_rstatus;
}
