package scheduler

import (
	"context"
	"errors"
	"time"
)

// A context bounds a wait through at most two event sources, neither of
// them a goroutine per wait: its deadline is a timer on the hub (the
// Timeout timers' priority, so a wait and a sleep expiring together keep
// gevent's order), and an early cancel reaches the hub through
// context.AfterFunc and one Post. Either throws the context's error into
// the waiting greenlet, but only while that greenlet is still inside the
// wait that armed it.
//
// States of a ctxWait: armed (the greenlet is about to switch away or is
// suspended in the wait) -> done, by end (the wait returned for any reason)
// or by fire (the timer or the cancel threw into the greenlet). Both run on
// the hub's greenlets, so done needs no lock; the AfterFunc callback, which
// runs on a goroutine of its own, only posts.
type ctxWait struct {
	h       *Hub
	c       *gctx
	ctx     context.Context
	timer   *hubTimer
	stop    func() bool
	release func()
	done    bool
	unrefd  bool // weak: the deadline timer does not keep the loop alive
	// out: the greenlet runs its caller's code between two switches of one
	// armed wait (IWait's loop body), where a fire only records its error
	// in late for the wait's next switch.
	out  bool
	late error
}

// arm bounds the coming wait of greenlet c by ctx. It returns nil (nothing
// to undo) for a context that can never be done, and ContextError's error
// when ctx is done already.
func (h *Hub) arm(ctx context.Context, c *gctx) (*ctxWait, error) {
	return h.armRef(ctx, c, true)
}

// armRef is arm; with keep false the context keeps the loop alive neither
// through its deadline timer nor while it may be cancelled, as Hub.Join
// needs: it waits for the loop to run dry, ctx only cuts it short.
func (h *Hub) armRef(ctx context.Context, c *gctx, keep bool) (*ctxWait, error) {
	if ctx.Done() == nil {
		return nil, nil
	}
	if err := ContextError(ctx); err != nil {
		return nil, err
	}
	cw := &ctxWait{h: h, c: c, ctx: ctx}
	if dl, ok := ctx.Deadline(); ok {
		// gevent starts a Timeout with update=True: the deadline counts
		// from the real now, not the loop's cached time.
		_ = h.loop.UpdateNow()
		ht, err := h.getTimerPri(time.Until(dl), cw.expire, true)
		if err != nil {
			return nil, err
		}
		cw.timer = ht
		if !keep {
			_ = h.loop.Unref()
			cw.unrefd = true
		}
	} else if keep {
		// A cancel may come from another goroutine at any time: the
		// loop must not run dry (LoopExit) meanwhile.
		cw.release = h.KeepAlive()
	}
	cw.stop = context.AfterFunc(ctx, cw.cancelled)
	return cw, nil
}

// cancelled runs on a goroutine of its own when ctx is done.
func (cw *ctxWait) cancelled() { _ = cw.h.Post(cw.fireCancel) }

func (cw *ctxWait) fireCancel() { cw.fire(ContextError(cw.ctx)) }

// expire is the deadline timer's callback.
func (cw *ctxWait) expire() {
	cw.dropTimer()
	cw.fire(deadlineError{})
}

// dropTimer returns the deadline timer to the pool, taking back the Unref
// of a weak wait first: libev's stop of an active watcher (or the stop a
// one-shot timer did when it fired) takes one count off the loop.
func (cw *ctxWait) dropTimer() {
	if cw.unrefd {
		cw.unrefd = false
		_ = cw.h.loop.Ref()
	}
	cw.h.putTimer(cw.timer)
	cw.timer = nil
}

func (cw *ctxWait) fire(err error) {
	if cw.done {
		return
	}
	cw.done = true
	if cw.out {
		cw.late = err
		return
	}
	cw.h.throwInto(cw.c, err)
}

// enter marks the greenlet back inside the wait, about to switch away, and
// returns the error of a fire that came while it was out. Nil-safe.
func (cw *ctxWait) enter() error {
	if cw == nil {
		return nil
	}
	cw.out = false
	return cw.late
}

// leave marks the greenlet out of the wait, running its caller's code.
// Nil-safe.
func (cw *ctxWait) leave() {
	if cw != nil {
		cw.out = true
	}
}

// end disarms cw when the wait returns, however it ended. Nil-safe.
func (cw *ctxWait) end() {
	if cw == nil {
		return
	}
	cw.done = true
	if cw.timer != nil {
		cw.dropTimer()
	}
	cw.stop()
	if cw.release != nil {
		cw.release()
	}
}

// Context is Greenlet.Context, less the nil check.
func (t *task) Context() context.Context {
	x := t.extra()
	if x.ctx == nil {
		x.ctx, x.cancel = context.WithCancelCause(context.Background())
		if t.ready {
			x.cancel(t.doneCause())
		}
	}
	return x.ctx
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
	if err := t.ExitErr(); err != nil {
		return err
	}
	return context.Canceled
}

// Context returns a context that is cancelled with the timeout's error as
// its cause when the timeout fires, and with context.Canceled when it is
// cancelled first; a Start after that begins a new one. Hub-affine.
func (t *Timeout) Context() context.Context {
	if t == nil {
		// A nil Timeout never fires.
		return context.Background()
	}
	if t.ctx0 == nil {
		t.ctx0, t.cancel0 = context.WithCancelCause(context.Background())
		// Asked for only after this run ended: done already.
		switch {
		case t.fired:
			t.cancel0(t.Err())
		case t.stopped:
			t.cancel0(context.Canceled)
		}
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
	_, h, err := currentBlocking("WaitContext")
	if err != nil {
		return err
	}
	w := &Waiter{hub: h, label: "context"}
	if _, err = w.Get(ctx); ctx.Err() == nil {
		return err
	}
	if cause := context.Cause(ctx); cause != ctx.Err() {
		return cause
	}
	return ContextError(ctx)
}
