package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/cev"
)

// Sleep suspends the calling greenlet for d (gevent.sleep), or until ctx is
// done. d <= 0 yields: the greenlet goes to the back of the callback queue
// and resumes after every greenlet and callback already scheduled. It
// returns nil when d elapsed, an *Error naming Sleep that wraps
// ContextError's error when ctx ended first, the error thrown into the
// greenlet meanwhile as it is (Kill, a Timeout, LoopExit), or
// ErrNotGreenlet outside a greenlet and in the hub itself.
func Sleep(ctx context.Context, d time.Duration) error {
	if ctx == nil {
		return opErr("Sleep", ErrNilArgument)
	}
	c := currentCtx()
	if c == nil || c.isHub {
		return opErr("Sleep", notGreenlet(c))
	}
	h := c.hub
	if h.destroyed.Load() {
		return opErr("Sleep", ErrHubDestroyed)
	}
	var cw *ctxWait
	if ctx.Done() != nil {
		var err error
		if cw, err = h.arm(ctx, c); err != nil {
			return opErr("Sleep", err)
		}
	}
	if d > 0 {
		err := h.sleep(c, d, true)
		cw.end()
		if err != nil {
			return ctxOpErr("Sleep", ctx, err)
		}
		return nil
	}
	// Sleep(0) yields, written out here rather than in a helper: each
	// frame between the caller and the coroutine switch is a return the
	// CPU mispredicts when the greenlet resumes (docs/performance.md).
	// The queued entry is the context itself (drain switches into it
	// directly), and it is stopped however the switch ends: a kill or a
	// raw switch into c must not leave a wake-up behind for c's next
	// wait. switchFrom is written out as well, and c is not touched after
	// the switch: at 1000 greenlets every line of a greenlet's state is a
	// cache miss. c.waitingOn stays unset: it only feeds LoopExit
	// reports, and the loop cannot run dry while this wake-up is queued.
	cb := h.cbs.pushCtx(c)
	mine := uint64(uint32(c.goid.Load()))
	h.switches++
	h.running.Store(h.switches<<32 | uint64(uint32(h.hubC.goid.Load())))
	h.syncReport()
	_, err := h.raw.Switch(nil)
	h.running.Store(h.switches<<32 | mine)
	h.syncReport()
	cb.stop()
	cw.end()
	if err != nil {
		return ctxOpErr("Sleep", ctx, err)
	}
	return nil
}

// SleepUnref is Sleep whose timer does not keep the loop alive (gevent's
// sleep(seconds, ref=False)): when nothing else does, the loop runs dry and
// main gets LoopExit while this greenlet still sleeps, so that a background
// loop (a cache sweep, a heartbeat) cannot hide a deadlock of the program.
// ctx's deadline, when it has one, still counts, as any context wait's; a
// ctx that can only be cancelled does not keep the loop alive either.
// d <= 0 is Sleep's yield, with Sleep's errors.
func SleepUnref(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		err := Sleep(ctx, d)
		if e, ok := err.(*Error); ok && e.Op == "Sleep" {
			return opErr("SleepUnref", e.Err) // the call the caller made
		}
		return err
	}
	if ctx == nil {
		return opErr("SleepUnref", ErrNilArgument)
	}
	c, h, err := currentBlocking("SleepUnref")
	if err != nil {
		return err
	}
	var cw *ctxWait
	if ctx.Done() != nil {
		_, timed := ctx.Deadline()
		if cw, err = h.armRef(ctx, c, timed); err != nil {
			return opErr("SleepUnref", err)
		}
	}
	if err = h.sleep(c, d, false); err != nil {
		cw.end()
		return ctxOpErr("SleepUnref", ctx, err)
	}
	cw.end()
	return nil
}

// sleep is Sleep(d) for d > 0; with ref false the timer does not count for
// the loop while it runs (ev_unref after the start, ev_ref before the stop,
// as ev.pod says).
func (h *Hub) sleep(c *gctx, d time.Duration, ref bool) error {
	_ = h.loop.UpdateNow()
	k := c.sleepK
	if k == nil {
		k = new(Waker) // never given to Hub.Wait: Fire needs no hub
		c.sleepK = k
	}
	if c.sleepFire == nil {
		c.sleepFire = func() { k.Fire(cev.EV_TIMER) }
	}
	ht, err := h.getTimer(d, c.sleepFire)
	if err != nil {
		return opErr("Sleep", err)
	}
	if !ref {
		_ = h.loop.Unref()
	}
	k.waiting = c
	c.waitingOn, c.waitArg = "sleep", d
	_, err = h.switchFrom(c)
	c.waitingOn, c.waitArg = "", nil
	k.waiting = nil
	if !ref {
		// Whether the timer fired (libev stopped it, taking its count off)
		// or is stopped below, the Unref is given back first.
		_ = h.loop.Ref()
	}
	h.putTimer(ht)
	return err
}

// Idle waits until the loop has nothing else to do (gevent.idle): an idle
// watcher of the given priority (cev.EV_MINPRI..EV_MAXPRI) fires, or ctx is
// done.
func Idle(ctx context.Context, priority int) error {
	if ctx == nil {
		return opErr("Idle", ErrNilArgument)
	}
	_, h, err := currentBlocking("Idle")
	if err != nil {
		return err
	}
	k := new(Waker) // Wait binds it
	iw, err := h.loop.NewIdle(func(_ *cev.Idle, rev int) { k.Fire(rev) })
	if err != nil {
		return opErr("Idle", err)
	}
	defer iw.Close()
	if err := iw.SetPriority(priority); err != nil {
		return opErr("Idle", fmt.Errorf("priority %d: %w", priority, err))
	}
	if _, err = h.Wait(ctx, iw, k, "idle"); err != nil {
		return ctxOpErr("Idle", ctx, err)
	}
	return nil
}
