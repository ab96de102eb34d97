package scheduler

import (
	"context"
	"errors"
	"runtime/debug"
)

// Context returns a context that is cancelled, with the error as its cause,
// when the greenlet is killed (at the Kill, before the greenlet even sees
// the error) or finishes. Pass it to code that takes a context to stop it
// together with the greenlet. Hub-affine.
func (t *task) Context() context.Context {
	if t.ctx0 == nil {
		t.ctx0, t.cancel0 = context.WithCancelCause(context.Background())
		if t.ready {
			t.cancel0(t.doneCause())
		}
	}
	return t.ctx0
}

func (t *task) doneCauseFor(err error) error {
	if err != nil {
		return err
	}
	if errors.Is(err, ErrGreenletExit) {
		return err
	}
	return context.Canceled
}

func (t *task) doneCause() error {
	if t.err != nil {
		return t.err
	}
	if t.exitErr != nil {
		return t.exitErr
	}
	return context.Canceled
}

// Context returns a context that is cancelled with the timeout's error as
// its cause when the timeout fires, and with context.Canceled when it is
// cancelled first. Hub-affine.
func (t *Timeout) Context() context.Context {
	if t.ctx0 == nil {
		t.ctx0, t.cancel0 = context.WithCancelCause(context.Background())
	}
	return t.ctx0
}

// WaitContext blocks the calling greenlet, without blocking the hub, until
// ctx is done, and returns its cause: context.Cause(ctx) when a cause was
// given, else ContextError's error. It returns earlier with the error thrown
// into the greenlet (Kill, Timeout). A context that can never be done is
// waited on like any other wait that nothing can end: LoopExit when the hub
// runs out of work.
func WaitContext(ctx context.Context) error {
	if ctx == nil {
		return opErr("WaitContext", ErrNilArgument)
	}
	c, h, err := currentBlocking("WaitContext")
	if err != nil {
		return err
	}
	w := &Waiter{hub: h, label: "context"}
	if ctx.Done() == nil {
		_, err := w.get(h, c)
		return err
	}
	_, err = w.getCtx(ctx, h, c)
	if ctx.Err() == nil {
		return err
	}
	if cause := context.Cause(ctx); cause != ctx.Err() {
		return cause
	}
	return ContextError(ctx)
}

// RunBlocking runs fn on a new goroutine, off the hub, and parks only the
// calling greenlet until fn returns; the hub keeps running the other
// greenlets, and the loop stays alive while fn runs. Use it for blocking
// calls without a cooperative version (a DNS lookup, a cgo call). If ctx
// ends, or the greenlet is killed or times out, meanwhile, RunBlocking
// returns that error at once and fn's result is dropped when it arrives
// (fn itself is not stopped: give it ctx if it can stop). A panic in fn is
// returned as a *PanicError carrying fn's stack.
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
	release := h.KeepAlive()
	type result struct {
		v   T
		err error
	}
	go func() {
		var r result
		func() {
			defer func() {
				if p := recover(); p != nil {
					r.err = &PanicError{Value: p, Stack: debug.Stack()}
				}
			}()
			r.v, r.err = fn()
		}()
		_ = h.Post(func() {
			release()
			w.Switch(r)
		})
	}()
	v, err := w.Get(ctx)
	if err != nil {
		return zero, err
	}
	r := v.(result)
	return r.v, r.err
}
