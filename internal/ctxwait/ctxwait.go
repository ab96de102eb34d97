// Package ctxwait holds what every package that bounds a wait by a context.Context needs to
// tell the context's own end from an error thrown into the waiting greenlet, so that the end is
// reported in one shape everywhere: the package's error naming the call, wrapping
// scheduler.ContextError's error.
package ctxwait

import (
	"context"
	"errors"
	"time"
)

// Ended reports whether err, a wait's error, is the end of ctx, decided by ctx itself: ctx is
// done and err is its error, or ctx's deadline passed and err is a deadline's (the hub's timer
// may see it an instant before ctx.Err does). A kill of the waiting greenlet with a context's
// error of its own (context.Canceled) while ctx is live is a kill, not ctx's end. Nil err is
// never an end.
func Ended(ctx context.Context, err error) bool {
	if err == nil {
		return false
	}
	if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && errors.Is(err, context.DeadlineExceeded) && !time.Now().Before(dl)
}

// Err returns the error to report for a wait whose error err Ended says ctx ended: cerr,
// scheduler.ContextError's error for ctx, when ctx reports its end already, else (the hub's
// timer saw the deadline an instant before ctx.Err does) the deadline's error the wait got,
// without what wrapped it on the way up.
func Err(cerr, err error) error {
	if cerr != nil {
		return cerr
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return err
}
