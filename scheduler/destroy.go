package scheduler

import (
	"errors"

	"github.com/geventgo/geventgo/cev"
)

// Destroy kills every greenlet of the hub so that their defers run (pending
// ones never start, though their links run; suspended ones get
// ErrGreenletExit at their wait and every later blocking call returns
// ErrHubDestroyed), stops the blocking detector, frees the loop and closes
// the goroutine's main greenlet; the goroutine may then create a new hub. It
// must be called from the main greenlet of the owning goroutine; Destroy of
// a destroyed hub is a no-op. A nil or zero Hub is no hub: ErrNotGreenlet.
//
// Callbacks (RunCallback, Post) still queued when Destroy starts never run,
// nor do watcher callbacks whose events are pending then (the rest of the
// loop iteration that woke main, dropped with cev's Loop.ClearPending), and
// the hub starts no loop iteration and no poll. What the killed greenlets
// leave behind is teardown and runs on the hub before Destroy returns: their
// links (those of greenlets that never ran too, even when the hub greenlet
// itself never ran, and those not yet run of greenlets that had finished)
// and the callbacks their defers queued, with Destroyed
// already true (a switch into a killed greenlet does nothing, a blocking
// call returns ErrHubDestroyed). A callback or watcher callback the hub was
// running when main called Destroy (one that woke main) finishes.
func (h *Hub) Destroy() error {
	if h == nil || h.loop == nil {
		return opErr("Hub.Destroy", ErrNotGreenlet)
	}
	if h.destroyed.Load() {
		return nil
	}
	c := currentCtx()
	if c != h.mainC {
		return opErr("Hub.Destroy", ErrNotGreenlet)
	}
	h.postMu.Lock()
	h.destroyed.Store(true)
	h.postQ = nil
	close(h.done)
	h.postMu.Unlock()
	h.dropQueued()
	// Nor do the watcher events the loop still has to dispatch: when a
	// watcher's callback woke main, the others of its batch. The hub
	// finishes that callback and runs no more of the loop.
	_ = h.loop.ClearPending()
	_ = h.loop.Break(cev.EVBREAK_ALL)
	h.killPending()
	// Objects bound to the hub (Binding) pass to another hub only once the
	// defers run below are done with them.
	defer close(h.finished)
	unwatch(h)
	// A blocking report under way ends before Destroy returns; later ones
	// see the hub destroyed and are dropped.
	h.waitReport()
	// Close throws GreenletExit into every started greenlet of the
	// goroutine (workers and the hub), so their defers run.
	err := reportedGoexitDropped(h.main.Close())
	unregisterCtx(h.mainC)
	h.mainC.locals, h.hubC.locals = nil, nil
	h.raws, h.spawnCBs = nil, nil
	h.endArmed()
	for _, ht := range h.timers {
		ht.fire = nil
	}
	h.timers, h.timersLow = nil, nil
	// Close ended the idle and dying workers; the trim timer goes with
	// the loop.
	h.pool = workerPool{}
	if lerr := h.loop.Destroy(); lerr != nil {
		err = errors.Join(err, lerr)
	}
	if err != nil {
		return opErr("Hub.Destroy", err)
	}
	return nil
}

// dropQueued empties the callback queue for Destroy: what is still queued
// never runs (Done's promise), though the hub, resumed by the kills, may go on
// draining where it stopped: only the teardown is left for it. The link
// notifications of greenlets that finished are teardown, as a killed
// greenlet's are: they are queued again, in their order.
func (h *Hub) dropQueued() {
	var ended []*task
	for {
		e, ok := h.cbs.pop()
		if !ok {
			break
		}
		// Only startTask and notifyLinks take a task; a started one is
		// not ready.
		if t, isTask := e.arg.(*task); isTask && e.afn != nil && t.Ready() {
			ended = append(ended, t)
		}
	}
	for _, t := range ended {
		if len(t.links) > 0 {
			t.cb = h.runCallbackArg(notifyLinks, t)
		}
	}
}

// killPending kills the greenlets that never ran, for Destroy: their bodies, and so their
// defers, never start, but their links are what they leave behind, as a killed greenlet's are
// (a link that closes what the body would have closed). Those run with the rest of the
// teardown on the hub greenlet; one that never ran is run once for them: with Destroyed true
// it drains the queue and ends.
func (h *Hub) killPending() {
	for t := h.live.head; t != nil; {
		next := t.next
		if t.state == stPending {
			t.killBeforeStart(ErrGreenletExit)
		}
		t = next
	}
	if !h.raw.Started() && h.cbs.len() > 0 {
		_, _ = h.raw.Switch(nil) // the hub's body ends with nil, back in main
	}
}

// Destroyed reports whether Destroy ran (false for a nil Hub).
// Goroutine-safe.
func (h *Hub) Destroyed() bool { return h != nil && h.destroyed.Load() }

// Main runs fn as the main greenlet of a new hub on the calling goroutine
// and destroys the hub when fn returns, so that nothing (greenlet, loop,
// watchdog) outlives it: the usual shape of a program's or a test's main. It
// returns fn's error, else Destroy's; ErrHubExists when the goroutine
// already runs a hub.
//
// The hub starts with the settings of the environment, as NewHub's;
// Config.Main sets them in code.
func Main(fn func() error) error { return Config{}.Main(fn) }

// reportedGoexitDropped drops from Close's errors the Goexit a hub greenlet
// kept unwinding since a callback called it (see Hub.serve): it was
// reported then, and it ends the hub greenlet only now.
func reportedGoexitDropped(err error) error {
	if err == nil || !errors.Is(err, ErrGoexit) {
		return err
	}
	var keep []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !errors.Is(e, ErrGoexit) {
				keep = append(keep, e)
			}
		}
	}
	return errors.Join(keep...)
}
