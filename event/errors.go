package event

import (
	"context"
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
)

// ErrNotGreenlet is returned by a blocking or linking call made from a
// goroutine that is not a greenlet of the object's hub; it matches
// scheduler.ErrNotGreenlet.
var ErrNotGreenlet = scheduler.ErrNotGreenlet

// ErrNotReady is returned by AsyncResult.TryGet when no result was set
// yet; it is scheduler.ErrNotReady.
var ErrNotReady = scheduler.ErrNotReady

// Error adds the operation that failed to a cause.
type Error struct {
	Op  string // e.g. "Event.Wait"
	Err error  // the cause, kept for errors.Is/As: ErrNotReady, ErrNotGreenlet, ...
}

// Error returns "event: Op: cause", so the text names the package and the
// call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "event: <nil>"
	}
	return "event: " + e.Op + ": " + fmt.Sprint(e.Err)
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

func opErr(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Err: err}
}

// ctxErr returns err, the error of op's wait bounded by ctx, with the end of
// ctx (decided by ctx itself: ctxwait.Ended) as an *Error naming op that
// wraps scheduler.ContextError's error; anything else (what was thrown into
// the greenlet: a Kill's error, even context.Canceled, a Timeout, LoopExit)
// as it is. Call it only with a non-nil err.
func ctxErr(op string, ctx context.Context, err error) error {
	if !ctxwait.Ended(ctx, err) {
		return err
	}
	if e, ok := err.(*Error); ok && e.Op == op {
		return err
	}
	return &Error{Op: op, Err: ctxwait.Err(scheduler.ContextError(ctx), err)}
}
