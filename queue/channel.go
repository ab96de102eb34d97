package queue

import (
	"errors"
	"iter"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

type chanGetter[T any] struct {
	w    scheduler.Waiter
	item T
}

// Channel is gevent's Channel: an unbuffered rendezvous. Put waits until a
// getter takes the item; Get waits until a putter arrives. Pairs are made in
// FIFO order by one hub callback, so even a Get that finds a putter waiting
// switches to the hub once. The zero value is ready to use. Hub-affine:
// every Put and Get waits, so from a goroutine that is not a greenlet of
// the channel's hub (or from the hub itself) they fail with an error
// matching scheduler.ErrNotGreenlet, as a Queue's blocking calls do.
type Channel[T any] struct {
	getters []*chanGetter[T]
	putters []*putter[T]
	// unlockPending: a runUnlock is queued and has not started (gevent's
	// _event_unlock is falsy again once its callback runs).
	unlockPending bool
	hub           hubRef
	shut          bool
	// unlockFn is c.runUnlock, bound once: a method value allocates.
	unlockFn func()
	// Waiting records that completed a rendezvous, for reuse: a Channel is
	// all waiting, so two allocations per item were a large part of its
	// cost. Only records woken by runUnlock come back here; one that timed
	// out or was killed might still be referenced and is left to the GC.
	freeG []*chanGetter[T]
	freeP []*putter[T]
}

// maxFree bounds the records a Channel keeps for reuse.
const maxFree = 8

func (c *Channel[T]) newGetter() *chanGetter[T] {
	if n := len(c.freeG); n > 0 {
		g := c.freeG[n-1]
		c.freeG[n-1] = nil
		c.freeG = c.freeG[:n-1]
		return g
	}
	return &chanGetter[T]{}
}

func (c *Channel[T]) newPutter() *putter[T] {
	if n := len(c.freeP); n > 0 {
		p := c.freeP[n-1]
		c.freeP[n-1] = nil
		c.freeP = c.freeP[:n-1]
		return p
	}
	return &putter[T]{}
}

// NewChannel returns a channel.
func NewChannel[T any]() *Channel[T] { return &Channel[T]{} }

// Balance is putters waiting minus getters waiting.
func (c *Channel[T]) Balance() int { return len(c.putters) - len(c.getters) }

func (c *Channel[T]) scheduleUnlock(h *scheduler.Hub) {
	if c.unlockPending {
		return
	}
	c.unlockPending = true
	if c.unlockFn == nil {
		c.unlockFn = c.runUnlock
	}
	h.RunCallback(c.unlockFn)
}

func (c *Channel[T]) runUnlock() {
	c.unlockPending = false
	for len(c.putters) > 0 && len(c.getters) > 0 {
		g := c.getters[0]
		c.getters = popFront(c.getters)
		p := c.putters[0]
		c.putters = popFront(c.putters)
		g.item = p.item
		g.w.Switch(g)
		p.w.Switch(p)
	}
}

// Put hands item to a getter, waiting for one for at most timeout
// (scheduler.Forever: no limit). With block false it waits one loop
// iteration, as gevent does (a zero timeout), so a getter already waiting
// takes it. ErrFull when no getter came.
func (c *Channel[T]) Put(item T, block bool, timeout time.Duration) error {
	if !block {
		timeout = 0
	}
	h, err := c.hub.check("Channel.Put", waitFor(timeout))
	if err != nil {
		return err
	}
	if c.shut {
		return &Error{Op: "Channel.Put", Err: ErrShutdown}
	}
	p := c.newPutter()
	p.item = item
	p.w.SetLabel("Channel.Put")
	t, err := startTimeout(timeout)
	if err != nil {
		return &Error{Op: "Channel.Put", Err: err}
	}
	c.putters = append(c.putters, p)
	if len(c.getters) > 0 {
		c.scheduleUnlock(h)
	}
	v, err := p.w.Get()
	if t != nil {
		t.Cancel()
	}
	if err != nil {
		c.putters = removePtr(c.putters, p)
		return waitErr("Channel.Put", err, t, ErrFull)
	}
	// runUnlock switches the record itself in: only then is it off the
	// list for sure.
	if v == any(p) && len(c.freeP) < maxFree {
		*p = putter[T]{}
		c.freeP = append(c.freeP, p)
	}
	return nil
}

// Get takes an item from a putter, waiting for one as Put does; ErrEmpty
// when none came.
func (c *Channel[T]) Get(block bool, timeout time.Duration) (T, error) {
	var zero T
	if !block {
		timeout = 0
	}
	h, err := c.hub.check("Channel.Get", waitFor(timeout))
	if err != nil {
		return zero, err
	}
	if c.shut {
		return zero, &Error{Op: "Channel.Get", Err: ErrShutdown}
	}
	g := c.newGetter()
	g.w.SetLabel("Channel.Get")
	t, err := startTimeout(timeout)
	if err != nil {
		return zero, &Error{Op: "Channel.Get", Err: err}
	}
	c.getters = append(c.getters, g)
	if len(c.putters) > 0 {
		c.scheduleUnlock(h)
	}
	v, err := g.w.Get()
	if t != nil {
		t.Cancel()
	}
	if err != nil {
		c.getters = removePtr(c.getters, g)
		return zero, waitErr("Channel.Get", err, t, ErrEmpty)
	}
	item := g.item
	if v == any(g) && len(c.freeG) < maxFree {
		*g = chanGetter[T]{}
		c.freeG = append(c.freeG, g)
	}
	return item, nil
}

// Shutdown wakes every waiting greenlet with ErrShutdown; later calls fail
// with it. Goroutine-safe, as Queue.Shutdown.
func (c *Channel[T]) Shutdown() {
	if h := c.hub.load(); h != nil && !h.OnHub() {
		_ = h.Post(c.Shutdown)
		return
	}
	if c.shut {
		return
	}
	c.shut = true
	ps, gs := c.putters, c.getters
	c.putters, c.getters = nil, nil
	for _, p := range ps {
		p.w.Throw(&Error{Op: "Channel.Put", Err: ErrShutdown})
	}
	for _, g := range gs {
		g.w.Throw(&Error{Op: "Channel.Get", Err: ErrShutdown})
	}
}

// All yields the items put into the channel as a blocking Get (no time
// limit) takes them, one (item, nil) per item, as Queue.All does.
//
// The iteration ends cleanly, with nothing more yielded, only when Get
// returns ErrShutdown because this channel was shut down. Any other failure
// of a Get is yielded once as (zero value, err) and then the iteration
// stops: Kill's scheduler.ErrGreenletExit, an outer scheduler.Timeout, a
// *scheduler.LoopExitError when no putter can ever come, or an error
// matching scheduler.ErrNotGreenlet from a foreign goroutine, wrapped in
// *Error. Range over both values and handle err. Breaking out of the loop
// leaves no getter waiting.
func (c *Channel[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := c.Get(true, scheduler.Forever)
			if err != nil {
				if !errors.Is(err, ErrShutdown) || !c.shut {
					var zero T
					yield(zero, err)
				}
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}
