package scheduler

import (
	"context"
	"errors"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/greenlet"
	"github.com/petermattis/goid"
)

// ErrConcurrentUse is returned when two greenlets wait on one Waiter, or
// on one Waker, at once.
var ErrConcurrentUse = errors.New("concurrent use of a waiter")

// Waiter is gevent's Waiter: a one-shot rendezvous between one greenlet that
// blocks in Get and the hub, which wakes it with Switch or Throw from a
// callback or a watcher. The zero Waiter is ready to use: it binds to the
// hub of the greenlet that first uses it.
type Waiter struct {
	hub *Hub
	// waiting is the raw greenlet blocked in Get (its Value is its
	// *gctx). Switch reaches the coroutine through it without loading the
	// context first: with thousands of waiters woken in a row, each
	// context is one more cache miss in the chain the hub follows.
	waiting *greenlet.Greenlet
	label   string
	has     bool
	value   any
	err     error
}

// NewWaiter returns a waiter bound to the caller's hub (unbound outside
// one) whose Get reports label as what the greenlet waits on, in LoopExit
// errors and blocking reports ("" means "Waiter.Get").
func NewWaiter(label string) *Waiter { return &Waiter{hub: CurrentHub(), label: label} }

// SetLabel sets what a greenlet blocked in Get is reported as waiting on.
// A nil Waiter ignores it. Hub-affine, unchecked: call it from a greenlet
// of the waiter's hub, or before the Waiter is shared.
func (w *Waiter) SetLabel(label string) {
	if w != nil {
		w.label = label
	}
}

// Hub returns the hub the waiter belongs to (nil for a nil Waiter).
func (w *Waiter) Hub() *Hub {
	if w == nil {
		return nil
	}
	return w.hub
}

// Ready reports whether a value or error was delivered and not yet consumed
// by a waiting greenlet (false for a nil Waiter). Hub-affine, unchecked: the
// hub writes what it reads, so only the hub's greenlets may ask.
func (w *Waiter) Ready() bool { return w != nil && w.has }

// TryGet returns what is stored, without waiting (gevent's value,
// successful() and exc_info in one): the value Switch stored, or the error
// Throw stored, when they came while no greenlet waited (Ready); ErrNotReady
// when nothing is (a delivery straight to a waiting greenlet stores
// nothing). Neither TryGet nor Get takes a stored value away: Clear does.
// Hub-affine: from anywhere but a greenlet of the waiter's hub (a hub
// callback may ask) it returns an error matching ErrNotGreenlet. A waiter
// bound to no hub yet (made outside one, and no greenlet waited on it)
// answers from anywhere, as before it is shared.
func (w *Waiter) TryGet() (any, error) {
	if w == nil {
		return nil, opErr("Waiter.TryGet", ErrNilArgument)
	}
	if h := w.hub; h != nil {
		if err := h.check("Waiter.TryGet"); err != nil {
			return nil, err
		}
	}
	if !w.has {
		return nil, opErr("Waiter.TryGet", ErrNotReady)
	}
	return w.value, w.err
}

// Clear drops what was delivered and not yet consumed (gevent's clear), so
// that the next Get waits for a new Switch or Throw; nothing when nothing
// was. Hub-affine, as TryGet, with its errors but ErrNotReady.
func (w *Waiter) Clear() error {
	if w == nil {
		return opErr("Waiter.Clear", ErrNilArgument)
	}
	if h := w.hub; h != nil {
		if err := h.check("Waiter.Clear"); err != nil {
			return err
		}
	}
	w.has, w.value, w.err = false, nil, nil
	return nil
}

// Switch delivers value: the greenlet blocked in Get resumes at once with it,
// or, if nobody waits yet, the value is stored for the next Get. Meant to be
// called on the hub (callbacks, watcher callbacks); called from another
// greenlet of the hub it is deferred to a hub callback, because switching
// into a greenlet from a greenlet would leave the caller unscheduled; from
// any other goroutine it is posted to the waiter's hub (Hub.Post: dropped
// once that hub is destroyed). A Waiter bound to no hub yet has nowhere to
// post to: off any hub the value is stored as is, which is safe only while
// no greenlet uses the Waiter (NewWaiter on a hub binds it at once).
//
// On the hub with a greenlet waiting, the common case (a callback or a
// watcher waking a greenlet), the switch is made right here, so the hub
// reaches the coroutine switch through two frames (this and greenlet's
// transfer) instead of four: each frame between the hub's code and the
// switch is a return the CPU mispredicts once the greenlet has run. The
// goroutine check is a read of the hub greenlet's id instead of a context
// lookup. A nil Waiter has nobody to wake: the value is dropped.
func (w *Waiter) Switch(value any) {
	if w == nil {
		return
	}
	if h := w.hub; h != nil && h.hubC.goid.Load() == goid.Get() && w.waiting != nil {
		t := w.waiting
		w.waiting = nil
		if _, err := t.Switch(value); err != nil {
			h.rawSwitchError(t, err)
		}
		return
	}
	w.deliver(value, nil)
}

// SwitchEach is a hand-over loop for the hub: it calls next and switches
// into the greenlet waiting on the Waiter next returned, with the value next
// returned, as that Waiter's Switch would, and starts over until next
// returns a nil Waiter. It is what a hub callback waking a sequence of
// waiters (gevent's Channel._unlock) does with Switch in a loop, with one
// frame less between the loop and every coroutine switch: each frame there
// is a return the CPU mispredicts when the woken greenlet switches back, and
// on a rendezvous that is a sizeable part of the hand-over. A Waiter nobody
// waits on gets the value stored, as with Switch. Called anywhere but on
// h's hub greenlet, it calls Switch on each waiter, which defers or posts
// the wake-ups. A nil next has nothing to hand over; a nil or zero Hub
// switches nothing itself either: each Waiter's Switch does.
func (h *Hub) SwitchEach(next func() (*Waiter, any)) {
	if next == nil {
		return
	}
	if h == nil || h.hubC == nil || h.hubC.goid.Load() != goid.Get() {
		// Not on the hub: a waiter's state is not the caller's to read
		// (it may be a plain goroutine); Switch checks and defers.
		for w, v := next(); w != nil; w, v = next() {
			w.Switch(v)
		}
		return
	}
	for {
		w, v := next()
		if w == nil {
			return
		}
		t := w.waiting
		if t == nil || w.hub != h {
			w.Switch(v)
			continue
		}
		w.waiting = nil
		if _, err := t.Switch(v); err != nil {
			h.rawSwitchError(t, err)
		}
	}
}

// Throw is Switch delivering an error: Get returns err. A nil Waiter drops
// it.
func (w *Waiter) Throw(err error) {
	if w != nil {
		w.deliver(nil, err)
	}
}

func (w *Waiter) deliver(value any, err error) {
	c := currentCtx()
	if w.hub == nil && c != nil {
		w.hub = c.hub
	}
	h := w.hub
	if h == nil {
		// Unbound and called outside any hub: nobody waits on it yet (a
		// waiting greenlet binds it first). Keep the value for Get.
		w.has, w.value, w.err = true, value, err
		return
	}
	if c == nil || c.hub != h {
		// Foreign goroutine: take the goroutine-safe path.
		_ = h.Post(func() { w.deliver(value, err) })
		return
	}
	if !c.isHub {
		h.runCallback(func() { w.deliver(value, err) })
		return
	}
	t := w.waiting
	if t == nil {
		w.has, w.value, w.err = true, value, err
		return
	}
	w.waiting = nil
	var e error
	if err != nil {
		_, e = t.Throw(err)
	} else {
		_, e = t.Switch(value)
	}
	if e != nil {
		h.rawSwitchError(t, e)
	}
}

// Get blocks the calling greenlet until Switch or Throw and returns what they
// delivered; a stored value is returned at once. It also returns whatever
// error is thrown into the greenlet meanwhile (a *Timeout, GreenletExit from
// Kill, a *LoopExitError when nothing can wake it), as it is, and an *Error
// naming Waiter.Get that wraps ContextError's error when ctx is done first.
// From a goroutine that is not a greenlet of the waiter's hub, or from the
// hub itself, it returns ErrNotGreenlet, a value stored or not, and changes
// nothing; a nil Waiter or ctx returns ErrNilArgument.
func (w *Waiter) Get(ctx context.Context) (any, error) {
	if w == nil || ctx == nil {
		return nil, opErr("Waiter.Get", ErrNilArgument)
	}
	// One context lookup serves both binding and the affinity check, which
	// comes before anything of the waiter is read or written (a stored
	// value is its hub's state too); a goroutine that is no greenlet does
	// not even read the hub, which a greenlet may be binding.
	c := currentCtx()
	var h *Hub
	if c != nil {
		if h = w.hub; h == nil {
			h = c.hub
		}
	}
	c, err := h.mayBlock(c, "Waiter.Get")
	if err != nil {
		return nil, err
	}
	if w.hub == nil {
		w.hub = h
	}
	if w.has {
		return w.value, w.err
	}
	if w.waiting != nil {
		return nil, opErr("Waiter.Get", ErrConcurrentUse)
	}
	// The wait is written out here rather than in a helper: each frame
	// between the caller and the coroutine switch is a return the CPU
	// mispredicts when the greenlet resumes (docs/performance.md).
	var cw *ctxWait
	if ctx.Done() != nil {
		if cw, err = h.arm(ctx, c); err != nil {
			return nil, opErr("Waiter.Get", err)
		}
	}
	w.waiting = c.raw
	label := w.label
	if label == "" {
		label = "Waiter.Get"
	}
	c.waitingOn = label
	// switchFrom written out too. What setRunning needs from c is read
	// before the switch, while c is in cache: after it, c may be a miss.
	mine := uint64(uint32(c.goid.Load()))
	h.switches++
	h.running.Store(h.switches<<32 | uint64(uint32(h.hubC.goid.Load())))
	h.syncReport()
	v, err := h.raw.Switch(nil)
	h.running.Store(h.switches<<32 | mine)
	h.syncReport()
	c.waitingOn = ""
	w.waiting = nil
	cw.end()
	if w.has {
		// Delivered while we were switched to from elsewhere: prefer the
		// delivered value, as gevent's waiter would have returned it.
		return w.value, w.err
	}
	if err != nil {
		return v, ctxOpErr("Waiter.Get", ctx, err)
	}
	return v, nil
}

// switchInto resumes greenlet c from the hub with value v.
func (h *Hub) switchInto(c *gctx, v any) {
	if _, err := c.raw.Switch(v); err != nil {
		h.hubSwitchError(c, err)
	}
}

// throwInto raises err in greenlet c from the hub.
func (h *Hub) throwInto(c *gctx, err error) {
	if _, e := c.raw.Throw(err); e != nil {
		h.hubSwitchError(c, e)
	}
}

// hubSwitchError handles an error coming back to the hub from a switch:
// the scheduler's own greenlets never end with an error (their bodies
// recover everything), so it is a raw greenlet's failure or a Goexit that
// was already reported.
func (h *Hub) hubSwitchError(c *gctx, err error) {
	if errors.Is(err, ErrGoexit) || h.destroyed.Load() {
		return
	}
	h.HandleError(opErr("switch into "+c.displayName(), err))
}

// rawSwitchError is hubSwitchError for a switch into raw greenlet t, which
// is named by its context when it is one of the scheduler's.
func (h *Hub) rawSwitchError(t *greenlet.Greenlet, err error) {
	if c, ok := t.Value.(*gctx); ok {
		h.hubSwitchError(c, err)
		return
	}
	if errors.Is(err, ErrGoexit) || h.destroyed.Load() {
		return
	}
	h.HandleError(opErr("switch into "+t.String(), err))
}

// Waker connects a cev watcher to the greenlet blocked in Hub.Wait on it:
// the watcher's callback calls Fire. The zero Waker is ready to use: like
// the primitives built on a Binding, it belongs to no hub until the first
// Hub.Wait binds it to that hub, and once that hub is destroyed the next
// hub that waits on it takes it over (after the last Destroy returned).
// Create the watcher with a callback that calls k.Fire(revents); a watcher
// belongs to the loop it was made on, so each hub needs its own.
type Waker struct {
	bound   Binding
	waiting *gctx
	revents int
}

// NewWaker returns a zero Waker, for symmetry with the watchers' constructors.
func NewWaker() *Waker { return &Waker{} }

// Fire wakes the greenlet waiting on the waker's watcher; it does nothing if
// no greenlet waits (nor does a nil Waker). Hub-affine: call it from the
// watcher's callback.
func (k *Waker) Fire(revents int) {
	if k == nil {
		return
	}
	c := k.waiting
	if c == nil {
		return
	}
	k.waiting = nil
	k.revents = revents
	c.hub.switchInto(c, k)
}

// Wait is gevent's hub.wait(watcher): it starts w, whose callback must call
// k.Fire, switches to the hub until it fires or ctx is done, and stops w
// however the wait ends. It returns the revents passed to Fire, or the
// error thrown into the greenlet meanwhile. label says what the greenlet
// waits on in LoopExit and blocking reports ("" means "watcher"). A Waker
// another greenlet waits on returns ErrConcurrentUse; a Waker bound to
// another live hub, or a watcher made on another hub's loop, returns
// ErrNotGreenlet, as does a call from a goroutine that is not a greenlet of
// h or from h's hub greenlet. A Waker of a destroyed hub is taken over by h
// (see Waker).
func (h *Hub) Wait(ctx context.Context, w cev.Watcher, k *Waker, label string) (int, error) {
	if ctx == nil || w == nil || k == nil {
		return 0, opErr("Hub.Wait", ErrNilArgument)
	}
	c, err := h.blockingCtx("Hub.Wait")
	if err != nil {
		return 0, err
	}
	// c is a greenlet of h: bind gives h, or the live hub k is bound to.
	kh, err := k.bound.bind(c)
	if err != nil {
		return 0, opErr("Hub.Wait", err)
	}
	if err := h.owns(kh, "Hub.Wait with a Waker of another hub"); err != nil {
		return 0, err
	}
	if err := h.ownsWatcher(w, "Hub.Wait on a watcher of another hub"); err != nil {
		return 0, err
	}
	if k.waiting != nil {
		return 0, opErr("Hub.Wait", ErrConcurrentUse)
	}
	cw, err := h.arm(ctx, c)
	if err != nil {
		return 0, opErr("Hub.Wait", err)
	}
	defer cw.end()
	if err := w.Start(); err != nil {
		return 0, opErr("Hub.Wait", err)
	}
	if label == "" {
		label = "watcher"
	}
	k.waiting = c
	c.waitingOn = label
	v, err := h.switchFrom(c)
	c.waitingOn = ""
	k.waiting = nil
	_ = w.Stop()
	if err != nil {
		return 0, ctxOpErr("Hub.Wait", ctx, err)
	}
	if v != k {
		return 0, opErr("Hub.Wait", ErrInvalidSwitch)
	}
	return k.revents, nil
}
