/*
 * The C side of package cev as Go sees it. This header deliberately knows
 * nothing about libev's types, so the Go preamble is the same whether libev
 * is embedded or linked from the system; cev_glue.h, which does see ev.h,
 * checks with static assertions that the views below match libev's layout.
 */
#ifndef CEV_H
#define CEV_H

#include <stdint.h>
#include <stdlib.h>

enum {
	CEV_IO = 1,
	CEV_TIMER,
	CEV_PERIODIC,
	CEV_SIGNAL,
	CEV_CHILD,
	CEV_STAT,
	CEV_IDLE,
	CEV_PREPARE,
	CEV_CHECK,
	CEV_FORK,
	CEV_CLEANUP,
	CEV_ASYNC
};

/* Queue entries with these slots are not watchers: a separator closes the
 * events of one ev_invoke_pending call, a wake entry says the internal
 * ev_async (signals) fired. */
#define CEV_SLOT_SEP 0xFFFFFFFFu
#define CEV_SLOT_WAKE 0xFFFFFFFEu

/* How many timer starts Go queues before it flushes them with a cgo call. */
#define CEV_STARTQ 128

typedef struct cev_event {
	uint32_t slot;
	uint32_t gen;
	int32_t revents;
} cev_event;

typedef struct cev_loop {
	void *loop;      /* struct ev_loop * */
	cev_event *q;    /* events appended by watcher callbacks, in libev's order */
	uint32_t qlen, qcap;
	uint32_t iter0;  /* ev_iteration when cev_run started */
	int32_t skip_prep; /* resumed pass: prepare/fork already dispatched */
	int32_t prepoll; /* ev_run was broken before the poll to dispatch prepares */
	int32_t in_run;
	int32_t entry_break; /* a callback run at Run's entry broke the loop: ev_break in ev_run's entry invoke */
	int32_t activecnt; /* libev's activecnt, tracked across Go dispatch */
	int32_t nidle;   /* active idle watchers (the system libev hides its count) */
	int32_t due;     /* a timer due at once was started since the last ev_run */
	int32_t mayblock; /* cev_may_block's answer when the last cev_run started */
	double now;      /* ev_now, cached after every call that can move it */
	/* Timers Go started without a cgo call, in start order; every C entry
	 * point that takes the loop (but the cross-thread wake-ups) starts them
	 * first, so libev sees them as if started then (cev_flush). A slot
	 * emptied by a Stop before that holds NULL. */
	struct cev_hdr *startq[CEV_STARTQ];
	uint32_t startn;
	/* ev_ref calls minus ev_unref calls Go made since the last C call on
	 * the loop, applied by cev_flush as well: a count only ev_run reads. */
	int32_t refdelta;
	void *wake;      /* internal ev_async */
	void *fdt;       /* cev_fdtab (cev_glue.h): io watchers per fd, dead-fd checks */
	void *childs;    /* started child watchers (cev_watcher.childnext): a reap reports to each of its pid */
} cev_loop;

/* Every cev watcher starts with our generation and kind, followed by
 * libev's EV_WATCHER prefix. */
typedef struct cev_hdr {
	uint32_t gen;
	int16_t kind;
	uint16_t queued; /* 1 + the index in startq of a timer whose start is queued, or 0 */
	int active;
	int pending;
	int priority;
	void *data;
	void *cb;
} cev_hdr;

typedef struct cev_timer_view {
	cev_hdr h;
	double at;
	double repeat;
} cev_timer_view;

typedef struct cev_io_view {
	cev_hdr h;
	void *next;
	int fd;
	int events;
} cev_io_view;

typedef struct cev_statdata {
	uint64_t dev, ino, nlink, rdev;
	uint32_t mode, uid, gid;
	int64_t size;
	double atime, mtime, ctime;
} cev_statdata;

cev_loop *cev_loop_new(unsigned int flags);
void cev_loop_destroy(cev_loop *cl);
void cev_loop_free(cev_loop *cl);
void cev_flush(cev_loop *cl);
/* With ask set, returns 1 without running when the poll would wait
 * (cev_may_block); else runs one ev_run and returns 0. */
int cev_run(cev_loop *cl, int flags, int resume, int ask);
void cev_break(cev_loop *cl, int how);
void cev_now_update(cev_loop *cl);
unsigned int cev_iteration(cev_loop *cl);
unsigned int cev_pending_count(cev_loop *cl);
unsigned int cev_backend(cev_loop *cl);
unsigned int cev_supported_backends(void);
unsigned int cev_recommended_backends(void);
unsigned int cev_embeddable_backends(void);
void cev_suspend(cev_loop *cl);
void cev_resume(cev_loop *cl);
void cev_set_io_collect_interval(cev_loop *cl, double d);
void cev_set_timeout_collect_interval(cev_loop *cl, double d);
void cev_verify(cev_loop *cl);
void cev_loop_fork(cev_loop *cl);
void cev_wake(cev_loop *cl);
int cev_real_activecnt(cev_loop *cl);
double cev_time(void);
void cev_version(int *major, int *minor, int *hmajor, int *hminor);
void cev_feed_fd_event(cev_loop *cl, int fd, int revents, int collect);
void cev_invoke_fed(cev_loop *cl);

cev_hdr *cev_watcher_new(int kind, uint32_t slot);
void cev_watcher_free(cev_hdr *w);
int cev_start(cev_loop *cl, cev_hdr *w);
void cev_stop(cev_loop *cl, cev_hdr *w);
void cev_feed_event(cev_loop *cl, cev_hdr *w, int revents);

/* The calls made on every loop iteration or wait, again, taking their
 * pointers as integers: by default cgo checks at run time every pointer
 * argument whose C type may hold a pointer (cgocheck), a few ns each, and
 * these point to C memory. Go passes them with Loop.ref and watcher.ref. */
static inline int cev_run_r(uintptr_t cl, int flags, int resume, int ask)
{
	return cev_run((cev_loop *)cl, flags, resume, ask);
}
static inline int cev_start_r(uintptr_t cl, uintptr_t w)
{
	return cev_start((cev_loop *)cl, (cev_hdr *)w);
}
static inline void cev_stop_r(uintptr_t cl, uintptr_t w)
{
	cev_stop((cev_loop *)cl, (cev_hdr *)w);
}
int cev_clear_pending(cev_loop *cl, cev_hdr *w);
void cev_set_priority(cev_hdr *w, int pri);
void cev_io_set(cev_hdr *w, int fd, int events);
void cev_timer_again(cev_loop *cl, cev_hdr *w);
double cev_timer_remaining(cev_loop *cl, cev_hdr *w);
void cev_periodic_set(cev_hdr *w, double offset, double interval);
void cev_periodic_again(cev_loop *cl, cev_hdr *w);
double cev_periodic_at(cev_hdr *w);
void cev_periodic_get(cev_hdr *w, double *offset, double *interval);
void cev_stat_set(cev_hdr *w, char *path, double interval);
void cev_stat_stat(cev_loop *cl, cev_hdr *w);
void cev_stat_get(cev_hdr *w, cev_statdata *attr, cev_statdata *prev, double *interval);
void cev_async_send(cev_loop *cl, cev_hdr *w);
int cev_async_pending(cev_hdr *w);
void cev_child_set(cev_hdr *w, int pid);
void cev_child_get(cev_hdr *w, int *rpid, int *rstatus);

#endif
