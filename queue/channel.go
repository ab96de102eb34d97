package queue

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"

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
	// unlockPending: a runUnlock is queued on unlockHub and has not
	// started (gevent's _event_unlock is falsy again once its callback
	// runs). A destroyed hub never runs it: the next hub queues its own.
	unlockPending bool
	unlockHub     *scheduler.Hub // where runUnlock was queued
	hub           scheduler.Binding
	shut          atomic.Bool
	// unlockFn and nextFn are c.runUnlock and c.nextHandOff, bound once: a
	// method value allocates.
	unlockFn func()
	nextFn   func() (*scheduler.Waiter, any)
	// handing is the putter whose getter runUnlock just woke: it is woken
	// next, as gevent's _unlock switches to the getter, then the putter.
	handing *chanWaiter[T]
	// Waiting records that completed a rendezvous, for reuse, so that a
	// rendezvous allocates nothing. Only records woken by runUnlock come
	// back here; one that timed out or was killed might still be referenced
	// and is left to the GC.
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
func (c *Channel[T]) Balance() int {
	if c == nil {
		return 0
	}
	return len(c.putters) - len(c.getters)
}

// Getters returns how many greenlets wait in Get or TryGet (gevent's
// len(getters)).
func (c *Channel[T]) Getters() int {
	if c == nil {
		return 0
	}
	return len(c.getters)
}

// Putters returns how many greenlets wait in Put or TryPut (gevent's
// len(putters)).
func (c *Channel[T]) Putters() int {
	if c == nil {
		return 0
	}
	return len(c.putters)
}

func (c *Channel[T]) scheduleUnlock(h *scheduler.Hub) {
	if c.unlockPending && c.unlockHub == h {
		return
	}
	c.unlockPending = true
	c.unlockHub = h
	if c.unlockFn == nil {
		c.unlockFn = c.runUnlock
	}
	_, _ = h.RunCallback(c.unlockFn) // the caller passed h's check: cannot be refused
}

// runUnlock is gevent's Channel._unlock: while a putter and a getter wait,
// pair the first of each, switch to the getter with the item, then to the
// putter. The switches are made by Hub.SwitchEach, which asks nextHandOff
// for each waiter in turn.
func (c *Channel[T]) runUnlock() {
	c.unlockPending = false
	h := c.unlockHub // the hub running this callback, even while it is destroyed
	if c.nextFn == nil {
		c.nextFn = c.nextHandOff
	}
	h.SwitchEach(c.nextFn)
}

// nextHandOff returns the next waiter runUnlock wakes: the putter of the
// pair whose getter it woke last, else the getter of a new pair, else nil
// when no pair is left or the channel is shut down (from another goroutine:
// its posted wakeAll ends the waits, as a Shutdown on the hub does).
func (c *Channel[T]) nextHandOff() (*scheduler.Waiter, any) {
	if p := c.handing; p != nil {
		c.handing = nil
		return &p.w, p
	}
	if len(c.putters) == 0 || len(c.getters) == 0 || c.shut.Load() {
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

// Put hands item to a getter, waiting for one until ctx is done. It returns
// ErrShutdown after Shutdown, scheduler.ContextError's error when ctx ended
// first, or the error thrown into the greenlet, each in an *Error naming
// Channel.Put.
func (c *Channel[T]) Put(ctx context.Context, item T) error {
	return c.put(ctx, "Channel.Put", item)
}

// TryPut hands item to a getter that is waiting already: it waits one loop
// iteration, as gevent's put(block=False) does, and returns ErrFull when no
// getter took the item.
func (c *Channel[T]) TryPut(item T) error {
	return c.put(noWait, "Channel.TryPut", item)
}

// put is Put, and TryPut for a nil ctx.
func (c *Channel[T]) put(ctx context.Context, op string, item T) error {
	h, t, err := c.begin(ctx, op)
	if err != nil {
		return err
	}
	p := c.freeP.take(h, "Channel.Put")
	p.item = item
	c.putters = append(c.putters, p)
	if len(c.getters) > 0 {
		c.scheduleUnlock(h)
	}
	_, err = p.w.Get(orBackground(ctx))
	t.Cancel()
	if err != nil {
		c.putters = removePtr(c.putters, p)
		return c.waitErr(op, ctx, err, t, ErrFull)
	}
	// runUnlock marks the record before switching it in: only then is it
	// off the list for sure.
	if p.paired {
		c.freeP.give(p)
	}
	return nil
}

// Get takes an item from a putter, waiting for one until ctx is done.
func (c *Channel[T]) Get(ctx context.Context) (T, error) {
	return c.get(ctx, "Channel.Get")
}

// TryGet takes an item from a putter that is waiting already, waiting one
// loop iteration as TryPut does; ErrEmpty when none came.
func (c *Channel[T]) TryGet() (T, error) { return c.get(noWait, "Channel.TryGet") }

// get is Get, and TryGet for a nil ctx.
func (c *Channel[T]) get(ctx context.Context, op string) (T, error) {
	var zero T
	h, t, err := c.begin(ctx, op)
	if err != nil {
		return zero, err
	}
	g := c.freeG.take(h, "Channel.Get")
	c.getters = append(c.getters, g)
	if len(c.putters) > 0 {
		c.scheduleUnlock(h)
	}
	_, err = g.w.Get(orBackground(ctx))
	t.Cancel()
	if err != nil {
		c.getters = removePtr(c.getters, g)
		return zero, c.waitErr(op, ctx, err, t, ErrEmpty)
	}
	item := g.item
	if g.paired {
		c.freeG.give(g)
	}
	return item, nil
}

// begin checks a Put or Get (every call waits) and, for a Try form (nil
// ctx), starts the zero Timeout that bounds its wait to one iteration.
func (c *Channel[T]) begin(ctx context.Context, op string) (*scheduler.Hub, *scheduler.Timeout, error) {
	if c == nil {
		return nil, nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := c.hub.CheckWait()
	if err != nil {
		return nil, nil, &Error{Op: op, Err: err}
	}
	if c.shut.Load() {
		return nil, nil, &Error{Op: op, Err: ErrShutdown}
	}
	if ctx != nil {
		return h, nil, nil
	}
	if op == "Channel.Put" || op == "Channel.Get" {
		return nil, nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	t := scheduler.NewTimeout(0, nil)
	if err := t.Start(); err != nil {
		return nil, nil, &Error{Op: op, Err: err}
	}
	return h, t, nil
}

// waitErr is the error of a failed wait bounded by ctx (nil for the Try
// forms): the Try forms' own zero Timeout becomes sentinel.
func (c *Channel[T]) waitErr(op string, ctx context.Context, err error, t *scheduler.Timeout, sentinel error) error {
	if t != nil && errors.Is(err, t) {
		return &Error{Op: op, Err: sentinel}
	}
	return waitErr(op, ctx, err)
}

// orBackground is ctx, or context.Background for the Try forms.
func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// Shutdown wakes every waiting greenlet with ErrShutdown; later calls fail
// with it. Goroutine-safe, as Queue.Shutdown.
func (c *Channel[T]) Shutdown() {
	if c == nil {
		return
	}
	c.shut.Store(true)
	h := c.hub.Hub()
	if h == nil {
		return
	}
	if h.Check() != nil {
		_ = h.Post(c.wakeAll)
		return
	}
	c.wakeAll()
}

// wakeAll wakes every waiter with ErrShutdown; on the channel's hub.
func (c *Channel[T]) wakeAll() {
	ps, gs := c.putters, c.getters
	c.putters, c.getters = nil, nil
	for _, p := range ps {
		p.w.Throw(&Error{Err: ErrShutdown})
	}
	for _, g := range gs {
		g.w.Throw(&Error{Err: ErrShutdown})
	}
}

// All yields the items put into the channel as Get(ctx) takes them, one
// (item, nil) per item, as Queue.All does.
//
// The iteration ends cleanly, with nothing more yielded, only when Get
// returns ErrShutdown because this channel was shut down. Any other failure
// of a Get is yielded once as (zero value, err) and then the iteration
// stops: ctx's end, Kill's scheduler.ErrGreenletExit, a scheduler.Timeout,
// a *scheduler.LoopExitError when no putter can ever come, or an error
// matching scheduler.ErrNotGreenlet from a foreign goroutine, wrapped in
// *Error. Range over both values and handle err. Breaking out of the loop
// leaves no getter waiting. As with Queue.All, iter.Pull cannot drive it:
// its goroutine is no greenlet.
func (c *Channel[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := c.Get(ctx)
			if err != nil {
				if !errors.Is(err, ErrShutdown) || !c.shut.Load() {
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
