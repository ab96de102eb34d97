package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/internal/sentinel"
)

// Sentinel errors; every error the package returns matches one of them with
// errors.Is.
var (
	// ErrLoopExit means the hub ran out of work while the caller still
	// waited: nothing can ever wake it. The concrete error is *LoopExitError.
	ErrLoopExit = errors.New("this operation would block forever")
	// ErrTimeout matches every wait that gave up on its own time limit: a
	// *Timeout that fired, a context's deadline (that error also matches
	// context.DeadlineExceeded), a socket deadline.
	ErrTimeout = errors.New("timeout")
	// ErrNotReady is returned by a TryGet whose result is not there yet.
	ErrNotReady = errors.New("not ready")
	// ErrClosed is the root of the closed family: every package's error for
	// a closed, shut down or destroyed object matches it.
	ErrClosed = errors.New("closed")
	// ErrNotGreenlet is returned by a hub-affine call made from a goroutine
	// that is not a greenlet of the object's hub (a goroutine without a
	// hub, or a greenlet of another hub), and by a blocking call made from
	// the hub greenlet itself, which must never block.
	ErrNotGreenlet = errors.New("not called from a greenlet of this hub")
	// ErrHubExists is returned by NewHub and Main on a goroutine that
	// already runs a hub.
	ErrHubExists = errors.New("goroutine already runs a hub")
	// ErrHubDestroyed is returned by calls on a hub after Destroy; it
	// matches ErrClosed.
	ErrHubDestroyed = sentinel.Of(ErrClosed, "hub destroyed")
	// ErrNilArgument is returned by a call given a nil pointer, interface,
	// func or context where it needs one.
	ErrNilArgument = errors.New("nil argument")
	// ErrInvalidSwitch means a greenlet was switched into with a value its
	// wait did not expect (gevent's InvalidSwitchError).
	ErrInvalidSwitch = errors.New("invalid switch")
	// ErrGoexit is reported when runtime.Goexit ran inside a greenlet.
	ErrGoexit = greenlet.ErrGoexit
	// ErrBlockingHub is reported by the blocking detector.
	ErrBlockingHub = errors.New("hub blocked")
	// ErrNoSwitch is AssertSwitches' error: the block never switched, or
	// a greenlet ran past the threshold without switching. The concrete
	// error is *SwitchError.
	ErrNoSwitch = errors.New("did not switch")
)

// deadlineError is the error of a wait whose context's deadline passed: it
// matches both ErrTimeout and context.DeadlineExceeded, and is a net.Error
// whose Timeout is true.
type deadlineError struct{}

func (deadlineError) Error() string   { return "context deadline exceeded" }
func (deadlineError) Timeout() bool   { return true }
func (deadlineError) Temporary() bool { return true }

// Is matches ErrTimeout and context.DeadlineExceeded.
func (deadlineError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// timeoutCanceled is the error of a wait whose context a timeout cancelled
// (a Timeout's Context, whose cause is the timeout's error): it matches
// context.Canceled and, through the cause it unwraps to, ErrTimeout or the
// Timeout's custom error. It is a net.Error whose Timeout is the cause's
// (true for ErrTimeout) and, as a Timeout's own, whose Temporary is false (a
// timeout fires once: code that retries temporary errors must not retry it
// for good).
type timeoutCanceled struct{ cause error }

func (e timeoutCanceled) Error() string   { return "context canceled: " + e.cause.Error() }
func (e timeoutCanceled) Unwrap() error   { return e.cause }
func (e timeoutCanceled) Temporary() bool { return false }

// Timeout reports whether the cause is a timeout: it matches ErrTimeout, or
// says so itself (a custom error of its own kind).
func (e timeoutCanceled) Timeout() bool {
	var te interface{ Timeout() bool }
	return errors.Is(e.cause, ErrTimeout) || errors.As(e.cause, &te) && te.Timeout()
}

// Is matches context.Canceled (ErrTimeout through the cause).
func (e timeoutCanceled) Is(target error) bool { return target == context.Canceled }

// ContextError is the error a wait bounded by ctx returns once ctx is done:
// for an expired deadline an error matching both ErrTimeout and
// context.DeadlineExceeded, for a context cancelled by a timeout (its cause
// matches ErrTimeout, or is the custom error of the Timeout whose Context
// ctx is) one matching both context.Canceled and that cause, otherwise
// ctx.Err(); nil while ctx is not done.
// Packages that bound their own waits by a context use it so that every
// wait reports the same errors. A deadline is timed by the hub's own timer,
// so a wait may end with the deadline's error an instant before ctx.Err()
// reports it (as package net's deadline timeouts can): decide from the
// error the wait returned.
func ContextError(ctx context.Context) error {
	if ctx == nil {
		return opErr("ContextError", ErrNilArgument)
	}
	err := ctx.Err()
	switch err {
	case context.DeadlineExceeded:
		return deadlineError{}
	case context.Canceled:
		if cause := context.Cause(ctx); cause != err && (errors.Is(cause, ErrTimeout) || endedByTimeout(ctx, cause)) {
			return timeoutCanceled{cause}
		}
	}
	return err
}

// Error adds the operation that failed to a sentinel.
type Error struct {
	Op  string // what was attempted, e.g. "Waiter.Get"
	Err error  // one of the sentinels, or a cause
}

// Error returns "scheduler: Op: cause", so the text names the package and
// the call that failed. When the cause is a *PanicError (the report of a
// callback or a link that panicked) the panicking stack follows.
func (e *Error) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	s := "scheduler: " + e.Op + ": " + fmt.Sprint(e.Err)
	if p, ok := e.Err.(*PanicError); ok && p != nil && len(p.Stack) > 0 {
		s += "\n" + string(p.Stack)
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout (a context's deadline:
// scheduler.ContextError's error), so os.IsTimeout and net.Error users see
// one, as with package os's and net's errors.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

func opErr(op string, err error) error { return &Error{Op: op, Err: err} }

// ctxOpErr returns err, the error of op's wait bounded by ctx, as op's: the end of ctx (decided
// by ctx itself, see ctxwait.Ended) in an *Error naming op and wrapping ContextError's error,
// anything else (what was thrown into the greenlet: a Kill's error, even context.Canceled, a
// *Timeout, a *LoopExitError) as it is. An *Error of op already is op's. Call it only with a
// non-nil err, so that a wait that succeeds pays nothing.
func ctxOpErr(op string, ctx context.Context, err error) error {
	if !ctxwait.Ended(ctx, err) {
		return err
	}
	if e, ok := err.(*Error); ok && e.Op == op {
		return err
	}
	return &Error{Op: op, Err: ctxwait.Err(ContextError(ctx), err)}
}

// PanicError is the error of a greenlet whose body panicked.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the greenlet's stack at the panic
}

// Error returns "panic: " and the panic value; the stack is left out (the
// text of the report that carries it, a *GreenletError or an *Error, adds
// it).
func (e *PanicError) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	return fmt.Sprintf("panic: %v", e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if e == nil {
		return nil
	}
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// BlockedGreenlet describes one greenlet that was waiting when the loop
// exited or when the blocking detector fired.
type BlockedGreenlet struct {
	Name      string // the greenlet's name ("main" for the main greenlet)
	WaitingOn string // what it waits on, e.g. "sleep 1s", "join Greenlet-3"
	Stack     string // its stack, when the greenlet package can provide it
}

// LoopExitError is the error a blocked greenlet gets when the hub's loop
// has nothing left that could wake it (gevent's LoopExit). Unlike gevent's
// it lists every greenlet that is still blocked.
type LoopExitError struct {
	Blocked []BlockedGreenlet // every greenlet still waiting when the loop ran dry
}

// Error returns ErrLoopExit's message followed, one per line, by each
// blocked greenlet, what it waits on and its indented stack, so the text
// alone shows where everything is stuck.
func (e *LoopExitError) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	var b strings.Builder
	b.WriteString("scheduler: ")
	b.WriteString(ErrLoopExit.Error())
	if len(e.Blocked) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, ": %d greenlet(s) blocked:", len(e.Blocked))
	for _, g := range e.Blocked {
		fmt.Fprintf(&b, "\n  %s waiting on %s", g.Name, g.WaitingOn)
		if g.Stack != "" {
			for _, line := range strings.Split(strings.TrimRight(g.Stack, "\n"), "\n") {
				b.WriteString("\n      ")
				b.WriteString(line)
			}
		}
	}
	return b.String()
}

// Unwrap returns ErrLoopExit.
func (e *LoopExitError) Unwrap() error { return ErrLoopExit }
