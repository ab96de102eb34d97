/*
 * geventgo's configuration for libev 4.33 in EMBEDDING mode (ev.pod,
 * "EMBEDDING"). Every translation unit that includes ev.c or ev.h of the
 * vendored copy includes this file first, so the cgo binding (cev) and the
 * C programs of bench/ and crosscheck/ see one and the same libev.
 */
#ifndef GEVENTGO_EV_CONFIG_H
#define GEVENTGO_EV_CONFIG_H

#define EV_STANDALONE 1
#define EV_MULTIPLICITY 1
/* All of libev is static to the translation unit that includes ev.c, so it
 * can never clash with a system libev linked into the same process. */
#define EV_API_STATIC 1

/* Backends: select, poll and epoll; io_uring compiled in but only used when
 * asked for explicitly (libev never picks it as a recommended backend). */
#define EV_USE_SELECT 1
#define EV_USE_POLL 1
#define EV_USE_EPOLL 1
#define EV_USE_IOURING 1
#define EV_USE_LINUXAIO 0
#define EV_USE_KQUEUE 0
#define EV_USE_PORT 0

#define EV_USE_MONOTONIC 1
#define EV_USE_NANOSLEEP 1
#define EV_USE_EVENTFD 1
#define EV_USE_INOTIFY 1
#define EV_USE_4HEAP 1
#define EV_HEAP_CACHE_AT 1
#define EV_VERIFY 1

/* A Go process owns its signals (os/signal installs them with SA_ONSTACK)
 * and its children (os/exec reaps them): libev must touch neither, so
 * ev_signal, ev_child and signalfd are compiled out. geventgo builds signal
 * and child watchers with libev's semantics on os/signal and os/exec. */
#define EV_SIGNAL_ENABLE 0
#define EV_CHILD_ENABLE 0
#define EV_USE_SIGNALFD 0
#define EV_USE_TIMERFD 0

#define EV_PERIODIC_ENABLE 1
#define EV_IDLE_ENABLE 1
#define EV_PREPARE_ENABLE 1
#define EV_CHECK_ENABLE 1
#define EV_STAT_ENABLE 1
#define EV_FORK_ENABLE 1
#define EV_CLEANUP_ENABLE 1
#define EV_ASYNC_ENABLE 1
#define EV_EMBED_ENABLE 0

/* The epoll backend's poll makes its system call itself. glibc's epoll_wait is
 * a pthread cancellation point: in a multi-threaded process (every Go
 * program) it brackets the call with __pthread_enable_asynccancel and
 * __pthread_disable_asynccancel, about a tenth of an idle loop iteration.
 * Nothing here cancels threads. epoll_pwait with no signal mask is
 * epoll_wait, and exists on every Linux architecture. */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>
static inline int cev_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	return (int)syscall(SYS_epoll_pwait, epfd, events, maxevents, timeout, (void *)0, (long)(_NSIG / 8));
}
#define epoll_wait cev_epoll_wait

#endif
