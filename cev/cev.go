// Package cev is a thin, C-faithful binding of libev 4.33 whose callbacks are dispatched in Go from a queue filled by C.
//
// Names mirror libev's (ev_run is Loop.Run, ev_timer is Timer, EV_READ is
// EV_READ) and every doc comment names the libev function and the ev.pod
// section that specifies it, as "(ev_timer_again; ev.pod, WATCHER TYPES /
// ev_timer - relative and optionally repeating timeouts / Watcher-Specific
// Functions and Data Members)": headings as ev.pod writes them, without the
// POD markup. What differs from calling libev directly, and why:
//
//   - Watchers live in C memory at a fixed address and are created by the
//     New* functions; their C callback never calls Go. It appends
//     (slot, generation, revents) to a per-loop C queue. Loop.Run calls
//     ev_run once per iteration through one cgo call, then dispatches the
//     queued events to the Go callbacks in libev's exact order: Go keeps
//     libev's per-priority pending stacks (ev_invoke_pending), so events
//     fed, stopped or cleared from a callback behave as in C
//     (see DESIGN.md facts 2-4).
//   - Prepare (and fork) callbacks must run before the loop blocks: when
//     libev queues them, ev_run is broken before the poll, Go runs them,
//     and the same iteration is resumed (prepare and fork watchers are not
//     queued twice). A hub that needs work done before every poll is
//     cheaper doing it around Run(EVRUN_ONCE|EVRUN_NOWAIT) than in a
//     prepare watcher, which costs a second ev_run call per iteration.
//   - libev's signal and child support is compiled out (a Go process owns
//     its signals and children): Signal is built on os/signal, Child on a
//     pidfd watched by an internal ev_io. Both keep libev's semantics.
//   - Bad input returns an *Error (errors.Is matches ErrInvalid, ErrBadFD,
//     ErrClosed, ...) instead of reaching one of libev's assertions. An fd
//     closed under active io watchers kills them with EV_ERROR as libev's
//     fd_kill would, where libev 4.33 asserts (see IO).
//   - Nil and zero-value receivers never crash: a method with an error
//     result returns ErrInvalid for a nil or zero-value Loop or watcher
//     (one not made by NewLoop or a Loop.New* function) and ErrClosed
//     after Destroy or Close, checking the receiver before the arguments. A
//     getter returns its zero value, except IO.FD (-1: 0 is a valid fd) and
//     the Loop of a closed watcher, which still names its loop.
//   - revents given to Loop.FeedEvent and Invoke must be a non-empty OR of
//     the EV_* event bits below; libev passes any int through.
//   - Watchers must be Closed to free their C memory (libev leaves memory to
//     its user); Loop.Destroy frees every watcher of the loop.
//   - Which libev: a plain build links the system's (<ev.h>, -lev; Debian
//     libev-dev), -tags libev_static compiles in the pinned 4.33 that `make
//     libev` fetches (Embedded tells which). The C side refuses, with one
//     error saying what to do, a missing ev.h or ev.c, a libev other than
//     4.11-4.x, or one built without a feature cev wraps (cev_check.h);
//     NewLoop returns ErrVersion when the linked libev is older than the
//     ev.h it was compiled against, or of another major version (Version,
//     HeaderVersion).
//
// Concurrency: a Loop and its watchers are loop-affine and NOT goroutine
// safe. Call their methods only from the goroutine (or greenlet) that runs
// the loop. The one exception is Async.Send, which any goroutine may call.
//
// Generations: Stop bumps the watcher's generation (in C), so an event
// queued before it is never dispatched. ClearPending takes the event off
// Go's pending stacks or libev's, wherever it waits; like ev_clear_pending,
// it cannot reach an event already invoked into the batch being dispatched
// (it returns 0 then, and that event still runs). Start does not bump:
// libev keeps a pending event of a watcher that is started again (for
// example a one-shot timer that fired and is restarted by an earlier
// callback of the same iteration), and so does cev.
//
// The cost of one iteration (DESIGN.md fact 13): strace shows cev's
// Run(EVRUN_NOWAIT) makes exactly the syscalls C's ev_run makes (one
// epoll_wait(0)) and allocates nothing; BenchmarkCgoCall puts the cgo
// floor at 34-46 ns. The other syscalls of a Go process (futex, nanosleep)
// come from the runtime's sysmon and thread hand-offs, not from cev, and
// their number does not follow the iteration count. On a loaded machine
// BenchmarkRunNoWait and the same loop in C were both dominated by the
// epoll_wait syscall and within noise of each other.
package cev

import (
	"errors"
	"fmt"
)

// Event bits passed to callbacks as revents (ev.pod, ANATOMY OF A WATCHER,
// the list of possible bit masks). EV_UNDEF and EV_NONE are never valid
// revents; EV_EMBED and libev's internal EV__IOFDSET have no constant
// because cev has no embed watcher.
const (
	EV_UNDEF    = -1
	EV_NONE     = 0x00
	EV_READ     = 0x01
	EV_WRITE    = 0x02
	EV_TIMER    = 0x00000100
	EV_PERIODIC = 0x00000200
	EV_SIGNAL   = 0x00000400
	EV_CHILD    = 0x00000800
	EV_STAT     = 0x00001000
	EV_IDLE     = 0x00002000
	EV_PREPARE  = 0x00004000
	EV_CHECK    = 0x00008000
	EV_FORK     = 0x00020000
	EV_CLEANUP  = 0x00040000
	EV_ASYNC    = 0x00080000
	EV_CUSTOM   = 0x01000000
	EV_ERROR    = -0x80000000

	// eventBits are the bits above that a callback can receive, EV_ERROR
	// as the uint32 bit it is in C.
	eventBits = EV_READ | EV_WRITE | EV_TIMER | EV_PERIODIC | EV_SIGNAL | EV_CHILD |
		EV_STAT | EV_IDLE | EV_PREPARE | EV_CHECK | EV_FORK | EV_CLEANUP | EV_ASYNC |
		EV_CUSTOM | 0x80000000
)

// checkRevents is the rule of Loop.FeedEvent and Invoke. libev's
// ev_feed_event and ev_invoke accept any int (ev.pod, ANATOMY OF A WATCHER /
// GENERIC WATCHER FUNCTIONS: for ev_invoke "neither loop nor revents need
// to be valid"), but no libev event is 0, has a bit outside the EV_* list
// or does not fit C's int. Feeding 0 would make a watcher pending for no
// event and is refused as well.
func checkRevents(op string, revents int) error {
	if revents == 0 || int(int32(revents)) != revents || uint32(revents)&^eventBits != 0 {
		return errf(op, ErrInvalid, "revents %#x (a non-empty OR of EV_* event bits)", revents)
	}
	return nil
}

// Priorities (ev.pod, ANATOMY OF A WATCHER / WATCHER PRIORITY MODELS, and
// ev_set_priority in GENERIC WATCHER FUNCTIONS).
const (
	EV_MINPRI = -2
	EV_MAXPRI = 2
	numPri    = EV_MAXPRI - EV_MINPRI + 1
)

// Flags for NewLoop (ev_loop_new; ev.pod, FUNCTIONS CONTROLLING EVENT
// LOOPS).
// EVFLAG_NOENV and EVFLAG_NOSIGMASK are always added.
const (
	EVFLAG_AUTO       = 0x00000000
	EVFLAG_NOENV      = 0x01000000
	EVFLAG_FORKCHECK  = 0x02000000
	EVFLAG_NOINOTIFY  = 0x00100000
	EVFLAG_NOSIGMASK  = 0x00400000
	EVFLAG_NOTIMERFD  = 0x00800000
	knownLoopFlagBits = EVFLAG_NOENV | EVFLAG_FORKCHECK | EVFLAG_NOINOTIFY | EVFLAG_NOSIGMASK | EVFLAG_NOTIMERFD
)

// Backends (ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS, the EVBACKEND_*
// list under ev_loop_new).
const (
	EVBACKEND_SELECT   = 0x00000001
	EVBACKEND_POLL     = 0x00000002
	EVBACKEND_EPOLL    = 0x00000004
	EVBACKEND_LINUXAIO = 0x00000040
	EVBACKEND_IOURING  = 0x00000080
	EVBACKEND_ALL      = 0x000000FF
)

// Flags for Loop.Run (ev_run; ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS).
const (
	EVRUN_NOWAIT = 1
	EVRUN_ONCE   = 2
)

// How values for Loop.Break (ev_break; ev.pod, FUNCTIONS CONTROLLING EVENT
// LOOPS).
const (
	EVBREAK_CANCEL = 0
	EVBREAK_ONE    = 1
	EVBREAK_ALL    = 2
)

// Sentinel errors; every error returned by cev is an *Error wrapping one of
// these (or a syscall.Errno), so errors.Is works on it.
var (
	// ErrClosed: the loop was destroyed or the watcher closed.
	ErrClosed = errors.New("loop or watcher closed")
	// ErrInvalid: an argument libev would reject or assert on, or a nil or
	// zero-value Loop or watcher.
	ErrInvalid = errors.New("invalid argument")
	// ErrBadFD: the file descriptor is not open.
	ErrBadFD = errors.New("bad file descriptor")
	// ErrActive: the operation needs an inactive, non-pending watcher.
	ErrActive = errors.New("watcher is active or pending")
	// ErrNilCallback: a watcher needs a callback.
	ErrNilCallback = errors.New("nil callback")
	// ErrNotSupported: libev (or this binding) cannot do it here.
	ErrNotSupported = errors.New("not supported")
	// ErrWrongLoop: a watcher was used with a loop it does not belong to.
	ErrWrongLoop = errors.New("watcher belongs to another loop")
	// ErrVersion: the libev linked into the process is not compatible
	// with the ev.h cev was compiled against (see Version).
	ErrVersion = errors.New("libev version mismatch")
)

// Error is the error type of every failing cev call. No libev counterpart:
// libev reports errors by aborting or through ev_set_syserr_cb (ev.pod,
// ERROR HANDLING), where cev returns them.
type Error struct {
	Op  string // the operation, e.g. "Timer.Set" or "NewLoop"
	Err error  // a sentinel above or a syscall.Errno
}

// Error formats the error as "cev: Op: cause". No libev counterpart (see
// Error); a nil *Error gives "cev: <nil>" rather than a panic.
func (e *Error) Error() string {
	if e == nil {
		return "cev: <nil>"
	}
	if e.Err == nil {
		return "cev: " + e.Op
	}
	return "cev: " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause so that errors.Is matches the sentinels and
// syscall.Errno values. No libev counterpart (see Error).
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

func errf(op string, err error, format string, args ...any) error {
	if format == "" {
		return &Error{Op: op, Err: err}
	}
	return &Error{Op: op, Err: fmt.Errorf("%w: "+format, append([]any{err}, args...)...)}
}
