package scheduler

import (
	"context"
	"runtime/debug"
)

// RunBlocking runs fn on a new goroutine, off the hub, and parks only the
// calling greenlet until fn returns; the hub keeps running the other
// greenlets, and the loop stays alive while fn runs. Use it for blocking
// calls without a cooperative version (a DNS lookup, a cgo call). If ctx
// ends, or the greenlet is killed or times out, meanwhile, RunBlocking
// returns that error at once and fn's result is dropped when it arrives
// (fn itself is not stopped: give it ctx if it can stop). A panic in fn, or
// a runtime.Goexit (as ErrGoexit), is returned as a *PanicError carrying
// fn's stack; for a deferred call of fn that panicked while fn unwound from
// Goexit, the last panic's.
func RunBlocking[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	var zero T
	if ctx == nil || fn == nil {
		return zero, opErr("RunBlocking", ErrNilArgument)
	}
	_, h, err := currentBlocking("RunBlocking")
	if err != nil {
		return zero, err
	}
	if err := ContextError(ctx); err != nil {
		return zero, opErr("RunBlocking", err)
	}
	w := &Waiter{hub: h, label: "RunBlocking"}
	release := h.keepAliveRef()
	type result struct {
		v   T
		err error
	}
	go func() {
		var r result
		goexit, panicked := true, false
		// Deferred so that a runtime.Goexit in fn (t.FailNow, say), which
		// no recover stops, still wakes the greenlet and lets the loop go.
		// A panic recovered below may have been raised under it (a deferred
		// call of fn that panicked while fn unwound from Goexit): that
		// panic is the outcome, as for a greenlet.
		defer func() {
			if goexit && !panicked {
				r = result{err: &PanicError{Value: ErrGoexit, Stack: debug.Stack()}}
			}
			_ = h.Post(func() {
				release()
				w.Switch(r)
			})
		}()
		func() {
			returned := false
			defer func() {
				if returned {
					return
				}
				// A nil p is a Goexit (the outer defer says so) or,
				// under GODEBUG=panicnil=1, a panic(nil) that recover
				// stopped: control then comes back, and that is the
				// outcome.
				p := recover()
				panicked = p != nil
				r = result{err: &PanicError{Value: p, Stack: debug.Stack()}}
			}()
			r.v, r.err = fn()
			returned = true
		}()
		goexit = false
	}()
	v, err := w.Get(ctx)
	if err != nil {
		return zero, ctxOpErr("RunBlocking", ctx, err)
	}
	r := v.(result)
	return r.v, r.err
}
