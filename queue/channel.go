package queue

import (
	"errors"
	"iter"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// chanWaiter is the waiting record of a Channel's getter or putter. paired
// is set by runUnlock when it takes the record off its list and hands it
// over.
type chanWaiter[T any] struct {
	w      scheduler.Waiter
	item   T
	paired bool
}

// Channel is gevent's Channel: an unbuffered rendezvous. Put waits until a
// getter takes the item; Get waits until a putter arrives. Pairs are made in
// FIFO order by one hub callback, so even a Get that finds a putter waiting
// switches to the hub once. The zero value is ready to use. Hub-affine:
// every Put and Get waits, so from a goroutine that is not a greenlet of
// the channel's hub (or from the hub itself) they fail with an error
// matching scheduler.ErrNotGreenlet, as a Queue's blocking calls do.
type Channel[T any] struct {
	getters []*chanWaiter[T]
	putters []*chanWaiter[T]
	// unlockPending: a runUnlock is queued and has not started (gevent's
	// _event_unlock is falsy again once its callback runs).
	unlockPending bool
	hub           hubRef
	shut          bool
	// unlockFn and nextFn are c.runUnlock and c.nextHandOff, bound once: a
	// method value allocates.
	unlockFn func()
	nextFn   func() (*scheduler.Waiter, any)
	// handing is the putter whose getter runUnlock just woke: it is woken
	// next, as gevent's _unlock switches to the getter, then the putter.
	handing *chanWaiter[T]
	// Waiting records that completed a rendezvous, for reuse: a Channel is
	// all waiting, so two allocations per item were a large part of its
	// cost. Only records woken by runUnlock come back here; one that timed
	// out or was killed might still be referenced and is left to the GC.
	freeG, freeP chanFree[T]
}

// maxFree bounds the records a Channel keeps for reuse.
const maxFree = 8

// chanFree holds waiting records that completed a rendezvous, for reuse.
type chanFree[T any] []*chanWaiter[T]

// take returns a recycled record or a new one for a wait on hub h. A record
// keeps its Waiter (bound to h, labelled) across uses, unless the channel
// moved to another hub since (its hub was destroyed).
func (f *chanFree[T]) take(h *scheduler.Hub, label string) *chanWaiter[T] {
	if n := len(*f); n > 0 {
		r := (*f)[n-1]
		(*f)[n-1] = nil
		*f = (*f)[:n-1]
		if r.w.Hub() == h {
			return r
		}
	}
	r := &chanWaiter[T]{}
	r.w.SetLabel(label)
	return r
}

// give takes back a record whose wait ended with the hand-over: runUnlock
// took it off its list, and its Waiter holds no undelivered value and no
// waiting greenlet.
func (f *chanFree[T]) give(r *chanWaiter[T]) {
	if len(*f) >= maxFree || r.w.Ready() {
		return
	}
	var zero T
	r.item, r.paired = zero, false
	*f = append(*f, r)
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

// runUnlock is gevent's Channel._unlock: while a putter and a getter wait,
// pair the first of each, switch to the getter with the item, then to the
// putter. The switches are made by Hub.SwitchEach, which asks nextHandOff
// for each waiter in turn.
func (c *Channel[T]) runUnlock() {
	c.unlockPending = false
	h := c.hub.p.Load() // the hub running this callback
	if c.nextFn == nil {
		c.nextFn = c.nextHandOff
	}
	h.SwitchEach(c.nextFn)
}

// nextHandOff returns the next waiter runUnlock wakes: the putter of the
// pair whose getter it woke last, else the getter of a new pair, else nil
// when no pair is left.
func (c *Channel[T]) nextHandOff() (*scheduler.Waiter, any) {
	if p := c.handing; p != nil {
		c.handing = nil
		return &p.w, p
	}
	if len(c.putters) == 0 || len(c.getters) == 0 {
		return nil, nil
	}
	g := c.getters[0]
	c.getters = popFront(c.getters)
	p := c.putters[0]
	c.putters = popFront(c.putters)
	g.item = p.item
	g.paired, p.paired = true, true
	c.handing = p
	return &g.w, g
}

// Put hands item to a getter, waiting for one for at most timeout
// (scheduler.Forever: no limit). With block false it waits one loop
// iteration, as gevent does (a zero timeout), so a getter already waiting
// takes it. ErrFull when no getter came.
func (c *Channel[T]) Put(item T, block bool, timeout time.Duration) error {
	if !block {
		timeout = 0
	}
	// check's common case with one context lookup (every call waits).
	h := c.hub.p.Load()
	if h == nil || !h.CanWait() {
		var err error
		if h, err = c.hub.check("Channel.Put", waitFor(timeout)); err != nil {
			return err
		}
	}
	if c.shut {
		return &Error{Op: "Channel.Put", Err: ErrShutdown}
	}
	p := c.freeP.take(h, "Channel.Put")
	p.item = item
	var t *scheduler.Timeout
	if timeout >= 0 {
		var err error
		if t, err = startTimeout(timeout); err != nil {
			return &Error{Op: "Channel.Put", Err: err}
		}
	}
	c.putters = append(c.putters, p)
	if len(c.getters) > 0 {
		c.scheduleUnlock(h)
	}
	_, err := p.w.Get()
	if t != nil {
		t.Cancel()
	}
	if err != nil {
		c.putters = removePtr(c.putters, p)
		return waitErr("Channel.Put", err, t, ErrFull)
	}
	// runUnlock marks the record before switching it in: only then is it
	// off the list for sure.
	if p.paired {
		c.freeP.give(p)
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
	h := c.hub.p.Load()
	if h == nil || !h.CanWait() {
		var err error
		if h, err = c.hub.check("Channel.Get", waitFor(timeout)); err != nil {
			return zero, err
		}
	}
	if c.shut {
		return zero, &Error{Op: "Channel.Get", Err: ErrShutdown}
	}
	g := c.freeG.take(h, "Channel.Get")
	var t *scheduler.Timeout
	if timeout >= 0 {
		var err error
		if t, err = startTimeout(timeout); err != nil {
			return zero, &Error{Op: "Channel.Get", Err: err}
		}
	}
	c.getters = append(c.getters, g)
	if len(c.putters) > 0 {
		c.scheduleUnlock(h)
	}
	_, err := g.w.Get()
	if t != nil {
		t.Cancel()
	}
	if err != nil {
		c.getters = removePtr(c.getters, g)
		return zero, waitErr("Channel.Get", err, t, ErrEmpty)
	}
	item := g.item
	if g.paired {
		c.freeG.give(g)
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
