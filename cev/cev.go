// Package cev is a thin, C-faithful binding of libev 4.33: a Loop and its
// watchers, named as libev names them, whose callbacks are queued by C and
// dispatched in Go. It is the only package of the module that imports "C".
// Every doc comment names the libev function and the ev.pod section that
// specifies it, as "(ev_timer_again; ev.pod, WATCHER TYPES / ev_timer ...)".
//
// # Contracts
//
// A Loop and its watchers are loop-affine and not goroutine-safe: call their
// methods only from the goroutine (or greenlet) that runs the loop. The one
// exception is Async.Send, which any goroutine may call.
//
// What differs from calling libev directly (ARCHITECTURE.md, The C boundary,
// says why):
//
//   - Watchers live in C memory, made by the Loop.New* functions, and must be
//     Closed to free it (Loop.Destroy frees every watcher of the loop).
//   - Their C callbacks never call Go: they queue (slot, generation,
//     revents), and Loop.Run dispatches the queue to the Go callbacks after
//     ev_run returns, in libev's order (Go keeps libev's per-priority pending
//     stacks, so events fed, stopped or cleared from a callback behave as in
//     C). Prepare and fork callbacks still run before the loop blocks: Run
//     breaks ev_run before the poll, runs them and resumes the iteration.
//   - Stop bumps the watcher's generation, so an event queued before it is
//     never dispatched. ClearPending reaches Go's pending stacks or libev's,
//     but, like ev_clear_pending, not an event already in the batch being
//     dispatched. Start does not bump: libev keeps the pending event of a
//     watcher started again, and so does cev. Loop.ClearPending, which
//     libev lacks, drops every event queued for dispatch, those batches
//     included: what the loop's owner calls before it tears down what the
//     callbacks use.
//   - Timer.Start makes no cgo call: the start waits in C memory, counted
//     as active, and the loop's next C call (Run, Stop, UpdateNow...)
//     applies the waiting starts first, in order, at the loop time they
//     were made, as ev_timer_start would have. A Stop before then just
//     drops it. Other watchers start at once: their start can fail.
//     Loop.Ref and Unref wait the same way: only ev_run reads the count.
//   - libev's signal and child support is compiled out (a Go process owns
//     its signals and children): Signal is built on os/signal, Child on a
//     pidfd watched by an internal ev_io; both keep libev's semantics.
//   - Bad input returns an *Error matching ErrInvalid, ErrBadFD, ErrClosed,
//     ErrVersion... instead of reaching a libev assertion: an fd closed under
//     active io watchers kills them with EV_ERROR, as libev's fd_kill would;
//     revents given to FeedEvent and Invoke must be a non-empty OR of the
//     EV_* bits. A nil or zero-value Loop or watcher returns ErrInvalid (a
//     getter its zero value, except IO.FD, -1), and ErrClosed after Destroy
//     or Close.
//
// A plain build links the system's libev (Debian's libev-dev); the build tag
// libev_static compiles the pinned libev 4.33 in instead (make libev fetches
// it). Either way cev checks the libev it compiles against and links.
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
