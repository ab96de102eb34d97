package scheduler

import (
	"sync/atomic"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/sentinel"
)

// Hub affinity is decided here and only here: every package built on the
// scheduler asks Hub.Check, Hub.CheckWait or a Binding before it touches
// hub-owned state, so the rule reads the same everywhere:
//
//   - a hub-affine call is allowed from the hub's greenlets only: its main
//     greenlet (the goroutine that created it), the hub greenlet (callbacks,
//     watcher callbacks, links) and the greenlets it spawned;
//   - a blocking call is allowed from the main greenlet and spawned
//     greenlets, not from the hub greenlet, which must never block;
//   - from anywhere else the call returns an error matching ErrNotGreenlet
//     and changes nothing; no call creates a hub on its own;
//   - a greenlet that finished on a hub since destroyed belongs to no hub
//     any more (final): Get, Join and TryGet give its outcome to anyone,
//     and Kill, KillAsync and KillAll of it are no-ops for anyone.

// CurrentHub returns the hub of the calling greenlet, nil when the calling
// goroutine is not a greenlet of any hub. Goroutine-safe; it never creates
// a hub.
func CurrentHub() *Hub {
	if c := currentCtx(); c != nil {
		return c.hub
	}
	return nil
}

// OnHub reports whether the caller runs in a greenlet (main, hub or
// spawned) of h. Goroutine-safe.
func (h *Hub) OnHub() bool {
	c := currentCtx()
	return c != nil && c.hub == h
}

// InHub reports whether the caller is the hub greenlet of h itself (a
// callback, a watcher callback or a link), where blocking is not allowed.
// Goroutine-safe.
func (h *Hub) InHub() bool {
	c := currentCtx()
	return c != nil && c.hub == h && c.isHub
}

// Check returns nil when the caller may make a hub-affine, non-blocking call
// on h, and otherwise ErrNotGreenlet (or ErrHubDestroyed after Destroy),
// for the caller to wrap with the name of its call. A nil h is a hub nobody
// created: ErrNotGreenlet. Goroutine-safe.
func (h *Hub) Check() error {
	return cause(h.affine(currentCtx(), ""))
}

// CheckWait is Check for a call that blocks: the hub greenlet itself is
// refused too. Goroutine-safe.
func (h *Hub) CheckWait() error {
	return cause(h.mayBlock(currentCtx(), ""))
}

// cause strips the *Error an internal check wraps its sentinel in.
func cause(_ *gctx, err error) error {
	if e, ok := err.(*Error); ok {
		return e.Err
	}
	return err
}

// affine checks that greenlet c (the caller, nil for a foreign goroutine)
// runs on h.
func (h *Hub) affine(c *gctx, op string) (*gctx, error) {
	if c == nil {
		return nil, opErr(op, errNoHub)
	}
	if h == nil || c.hub != h {
		return nil, opErr(op, ErrNotGreenlet)
	}
	if h.destroyed.Load() {
		return nil, opErr(op, ErrHubDestroyed)
	}
	return c, nil
}

// mayBlock checks that greenlet c (the caller) may block on h.
func (h *Hub) mayBlock(c *gctx, op string) (*gctx, error) {
	if h == nil || c == nil || c.hub != h || c.isHub {
		return nil, opErr(op, notGreenlet(c))
	}
	if h.destroyed.Load() {
		return nil, opErr(op, ErrHubDestroyed)
	}
	return c, nil
}

// final reports whether caller c may read the outcome of h's greenlets
// without being one of them, because no hub owns them any more: h is nil (a
// greenlet refused at Spawn never had one), or h was destroyed and its
// Destroy has returned (on h itself, while Destroy runs its greenlets'
// defers, too). Only a greenlet that is ready has an outcome: the caller
// reads its ready flag after this returns true, never before.
func (h *Hub) final(c *gctx) bool {
	if h == nil {
		return true
	}
	if !h.destroyed.Load() {
		return false
	}
	if c != nil && c.hub == h {
		return true
	}
	select {
	case <-h.finished:
		return true
	default:
		return false
	}
}

// owns returns nil when an object bound to hub oh (nil: not bound yet) may
// be used by a call on h, and otherwise op's ErrNotGreenlet: an object of
// another hub is as foreign to h as a greenlet of another hub, and waiting
// across hubs is not supported.
func (h *Hub) owns(oh *Hub, op string) error {
	if oh != nil && oh != h {
		return opErr(op, ErrNotGreenlet)
	}
	return nil
}

// ownsWatcher is owns for a watcher of a cev loop: a watcher made on
// another hub's loop (nil for a nil watcher, which its own calls refuse).
func (h *Hub) ownsWatcher(w cev.Watcher, op string) error {
	if l := w.Loop(); l != nil && l != h.loop {
		return opErr(op, ErrNotGreenlet)
	}
	return nil
}

// blockingCtx returns the calling greenlet's context if it may block on h.
func (h *Hub) blockingCtx(op string) (*gctx, error) {
	return h.mayBlock(currentCtx(), op)
}

// currentBlocking returns the caller's context and hub if it may block on
// its own hub.
func currentBlocking(op string) (*gctx, *Hub, error) {
	c := currentCtx()
	if c == nil {
		return nil, nil, opErr(op, errNoHub)
	}
	c, err := c.hub.mayBlock(c, op)
	if err != nil {
		return nil, nil, err
	}
	return c, c.hub, nil
}

// Binding ties an object to the hub that first uses it, for primitives
// whose zero value must be usable (an Event, a Queue, a Semaphore, a
// Waker; a Timeout binds when started): the
// zero Binding is unbound, and the first Check or CheckWait from a greenlet
// binds it to that greenlet's hub. An object whose hub was destroyed binds
// again to the next hub that uses it; a greenlet of another hub that uses it
// while that Destroy still runs the dying greenlets' defers (which may still
// release a lock or put an item) waits, with its whole hub, until Destroy
// returns. Safe for concurrent use; the object's other state is hub-affine.
type Binding struct{ p atomic.Pointer[Hub] }

// Hub returns the live hub the object is bound to, nil when it is unbound
// or its hub was destroyed. Goroutine-safe.
func (b *Binding) Hub() *Hub {
	if b == nil {
		return nil
	}
	if h := b.p.Load(); h != nil && !h.destroyed.Load() {
		return h
	}
	return nil
}

// Check binds the object to the caller's hub if it is unbound and returns
// the hub on which the caller may make a non-blocking call; otherwise
// ErrNotGreenlet or ErrHubDestroyed, as Hub.Check.
func (b *Binding) Check() (*Hub, error) {
	if b == nil {
		return nil, ErrNilArgument
	}
	c := currentCtx()
	h, err := b.bind(c)
	if err != nil {
		return nil, err
	}
	if err := cause(h.affine(c, "")); err != nil {
		return nil, err
	}
	return h, nil
}

// CheckWait is Check for a call that blocks.
func (b *Binding) CheckWait() (*Hub, error) {
	if b == nil {
		return nil, ErrNilArgument
	}
	c := currentCtx()
	h, err := b.bind(c)
	if err != nil {
		return nil, err
	}
	if err := cause(h.mayBlock(c, "")); err != nil {
		return nil, err
	}
	return h, nil
}

func (b *Binding) bind(c *gctx) (*Hub, error) {
	h := b.p.Load()
	if h != nil && !h.destroyed.Load() {
		return h, nil
	}
	if c == nil {
		return nil, errNoHub
	}
	if h != nil && h != c.hub {
		// The last hub's Destroy may still be running its greenlets'
		// defers on its own goroutine: take the object over after them.
		<-h.finished
	}
	if b.p.CompareAndSwap(h, c.hub) {
		return c.hub, nil
	}
	return b.p.Load(), nil
}

// check is Check with the error wrapped for op.
func (h *Hub) check(op string) error {
	_, err := h.affine(currentCtx(), op)
	return err
}

// errHubBlocks and errNoHub are ErrNotGreenlet in the words that fit the caller: the hub
// greenlet is a greenlet of its hub, and a goroutine without a hub has no "this hub".
var (
	errHubBlocks = sentinel.Of(ErrNotGreenlet, "blocking call in the hub greenlet (a hub callback), which never blocks")
	errNoHub     = sentinel.Of(ErrNotGreenlet, "not called from a greenlet: no hub runs on this goroutine")
)

// notGreenlet is the refusal of a blocking call made by c (nil: a plain goroutine).
func notGreenlet(c *gctx) error {
	switch {
	case c == nil:
		return errNoHub
	case c.isHub:
		return errHubBlocks
	}
	return ErrNotGreenlet
}
