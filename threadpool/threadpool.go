// Package threadpool runs blocking Go functions off the hub on worker goroutines and delivers
// their results to waiting greenlets through the hub's goroutine-safe Post (one ev_async_send),
// gevent's ThreadPool.
package threadpool

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// DefaultSize is the size of the pool Default creates (gevent's hub threadpool holds 10 threads).
const DefaultSize = 10

// ErrClosed is the error of work spawned on, or still queued in, a closed pool.
var ErrClosed = errors.New("threadpool closed")

// ErrInvalidSize is returned by New for a size below 1.
var ErrInvalidSize = errors.New("threadpool size must be at least 1")

// ThreadPool runs functions on at most Size worker goroutines; work beyond that waits in a FIFO
// queue. Spawn, Apply, Map, Imap, ImapUnordered, ApplyAsync, MapAsync and Close are hub-affine:
// call them from a greenlet of the hub that created the pool. Workers exist only while there is work, so an idle pool holds no goroutine.
type ThreadPool struct {
	hub  *scheduler.Hub
	size int

	mu      sync.Mutex
	queue   []func() (deliver func())
	running int // workers
	busy    int // functions running on them (Len counts these, not the workers)
	closed  bool
}

// New returns a pool of at most size workers bound to the calling goroutine's hub.
func New(size int) (*ThreadPool, error) {
	if size < 1 {
		return nil, fmt.Errorf("threadpool.New(%d): %w", size, ErrInvalidSize)
	}
	return &ThreadPool{hub: scheduler.GetHub(), size: size}, nil
}

var defaults sync.Map // *scheduler.Hub -> *ThreadPool

// Default returns the calling hub's shared pool of DefaultSize workers (gevent's
// hub.threadpool), creating it on first use.
func Default() *ThreadPool {
	h := scheduler.GetHub()
	if p, ok := defaults.Load(h); ok {
		return p.(*ThreadPool)
	}
	// Drop the pools of destroyed hubs so the map does not grow with short-lived hubs.
	defaults.Range(func(k, _ any) bool {
		if k.(*scheduler.Hub).Destroyed() {
			defaults.Delete(k)
		}
		return true
	})
	p := &ThreadPool{hub: h, size: DefaultSize}
	defaults.Store(h, p)
	return p
}

// Size returns the maximum number of workers.
func (p *ThreadPool) Size() int { return p.size }

// Len returns how many functions are queued or running (one that returned no longer counts,
// even before its result is delivered).
func (p *ThreadPool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue) + p.busy
}

// Close refuses new work and fails the queued work with ErrClosed; functions already running
// finish on their workers (a goroutine cannot be interrupted) and their results are delivered.
func (p *ThreadPool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	q := p.queue
	p.queue = nil
	p.mu.Unlock()
	for _, j := range q {
		j()() // each queued job, run after close, only reports ErrClosed
	}
	return nil
}

// submit queues job and starts a worker if the pool has room. A worker runs job, which calls
// the function, and then the deliver func it returns, so that Len no longer counts a function
// whose result is on its way.
func (p *ThreadPool) submit(job func() (deliver func())) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.queue = append(p.queue, job)
	if p.running < p.size {
		p.running++
		go p.worker()
	}
	return true
}

func (p *ThreadPool) worker() {
	for {
		p.mu.Lock()
		if len(p.queue) == 0 || p.closed {
			p.running--
			p.mu.Unlock()
			return
		}
		job := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.busy++
		p.mu.Unlock()
		deliver := job()
		p.mu.Lock()
		p.busy--
		p.mu.Unlock()
		deliver()
	}
}

// Spawn queues fn to run on a worker and returns its Result at once (gevent's
// threadpool.spawn). The hub's loop stays alive until the result is delivered.
// Called from a goroutine that is not on the pool's hub, it runs nothing and
// the Result is ready at once with an error matching scheduler.ErrNotGreenlet
// (scheduler.ErrHubDestroyed once the hub is destroyed).
func Spawn[T any](p *ThreadPool, fn func() (T, error)) *Result[T] {
	r := &Result[T]{hub: p.hub}
	h := p.hub
	if h.Destroyed() {
		r.ready = true
		r.err = &scheduler.Error{Op: "threadpool.Spawn", Err: scheduler.ErrHubDestroyed}
		return r
	}
	if !h.OnHub() {
		r.ready = true
		r.err = &scheduler.Error{Op: "threadpool.Spawn", Err: scheduler.ErrNotGreenlet}
		return r
	}
	release := h.KeepAlive()
	closedNow := false
	job := func() func() {
		p.mu.Lock()
		closedNow = p.closed
		p.mu.Unlock()
		var v T
		var err error
		if closedNow {
			err = ErrClosed
		} else {
			v, err = call(fn)
		}
		return func() {
			_ = h.Post(func() {
				release()
				r.set(v, err)
			})
		}
	}
	if !p.submit(job) {
		release()
		r.set(r.v, ErrClosed)
	}
	return r
}

// call runs fn, turning a panic into a *scheduler.PanicError.
func call[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = &scheduler.PanicError{Value: x}
		}
	}()
	return fn()
}

// Apply runs fn on a worker and blocks the calling greenlet (only) until it returns
// (gevent's threadpool.apply).
func Apply[T any](p *ThreadPool, fn func() (T, error)) (T, error) {
	return Spawn(p, fn).Get(scheduler.Forever)
}

// Map runs fn on every item on the pool's workers and returns the results in the order of
// items (gevent's threadpool.map). It returns the first error in item order, with the results
// computed so far.
func Map[In, Out any](p *ThreadPool, fn func(In) (Out, error), items []In) ([]Out, error) {
	rs := make([]*Result[Out], len(items))
	for i, it := range items {
		rs[i] = Spawn(p, func() (Out, error) { return fn(it) })
	}
	out := make([]Out, len(items))
	for i, r := range rs {
		v, err := r.Get(scheduler.Forever)
		if err != nil {
			return out[:i], err
		}
		out[i] = v
	}
	return out, nil
}

// Result is the pending outcome of a function spawned on a pool (gevent's AsyncResult as the
// pool returns it). It is a scheduler.Linkable, so scheduler.Wait and IWait take it.
type Result[T any] struct {
	hub    *scheduler.Hub
	ready  bool
	v      T
	err    error
	links  []link
	nextID scheduler.LinkID
	notify bool // a notify callback is queued
}

type link struct {
	id scheduler.LinkID
	fn func(scheduler.Linkable)
}

var _ scheduler.Linkable = (*Result[int])(nil)

// set delivers the outcome on the hub and runs the links.
func (r *Result[T]) set(v T, err error) {
	r.v, r.err, r.ready = v, err, true
	r.schedule()
}

func (r *Result[T]) schedule() {
	if r.notify || len(r.links) == 0 {
		return
	}
	r.notify = true
	r.hub.RunCallback(func() {
		r.notify = false
		// Links added while these run also run, in this one callback.
		for len(r.links) > 0 {
			l := r.links[0]
			r.links = r.links[1:]
			l.fn(r)
		}
	})
}

// Ready reports whether the function returned.
func (r *Result[T]) Ready() bool { return r.ready }

// Hub returns the hub the result is delivered on; scheduler.IWait uses it to
// refuse waiting on it from another hub.
func (r *Result[T]) Hub() *scheduler.Hub { return r.hub }

// Successful reports whether the function returned without an error.
func (r *Result[T]) Successful() bool { return r.ready && r.err == nil }

// Value returns the result (the zero value before it is ready).
func (r *Result[T]) Value() T { return r.v }

// Err returns the function's error (nil before it is ready).
func (r *Result[T]) Err() error { return r.err }

// Rawlink calls fn on the hub once the result is ready. Hub-affine: from a
// goroutine that is not on the result's hub it registers nothing and returns 0.
func (r *Result[T]) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	if !r.hub.OnHub() {
		return 0
	}
	r.nextID++
	r.links = append(r.links, link{r.nextID, fn})
	if r.ready {
		r.schedule()
	}
	return r.nextID
}

// Unlink removes a link; unknown ids are ignored, as is a call from a
// goroutine that is not on the result's hub.
func (r *Result[T]) Unlink(id scheduler.LinkID) {
	if !r.hub.OnHub() {
		return
	}
	for i, l := range r.links {
		if l.id == id {
			r.links = append(r.links[:i], r.links[i+1:]...)
			return
		}
	}
}

// Get blocks the calling greenlet until the result is ready or timeout passes (Forever: no
// limit; 0: do not wait) and returns the function's value and error. A timeout returns an error
// matching scheduler.ErrTimeout; an error thrown into the waiting greenlet (Kill, a Timeout) is
// returned as is, and the function's result is then delivered to nobody.
func (r *Result[T]) Get(timeout time.Duration) (T, error) {
	if !r.ready {
		if timeout != 0 {
			if _, err := scheduler.Wait([]scheduler.Linkable{r}, 1, timeout); err != nil {
				var zero T
				return zero, err
			}
		}
		if !r.ready {
			var zero T
			return zero, &scheduler.Error{Op: "threadpool.Result.Get", Err: scheduler.ErrTimeout}
		}
	}
	return r.v, r.err
}
