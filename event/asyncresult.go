package event

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/geventgo/geventgo/scheduler"
)

// AsyncResult is gevent's AsyncResult: a one-shot value or error that
// greenlets wait for. The zero value is unset.
//
// Set, SetError, Ready, Successful, Value, Err, TryGet and Hub are
// goroutine-safe; Get, Wait, Rawlink and Unlink are hub-affine.
type AsyncResult[T any] struct {
	mu    sync.Mutex
	state atomic.Uint32 // 0 unset, 1 value, 2 error
	value T
	err   error
	links Links
}

const (
	arUnset uint32 = iota
	arValue
	arError
)

// Set stores value and schedules the waiters' wake-up. Setting again
// replaces the result.
func (a *AsyncResult[T]) Set(value T) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.value, a.err = value, nil
	a.state.Store(arValue)
	a.mu.Unlock()
	a.links.NotifyAny(a)
}

// SetError stores err as the outcome (gevent's set_exception); Get returns
// it. A nil err is Set of the zero value.
func (a *AsyncResult[T]) SetError(err error) {
	if a == nil {
		return
	}
	if err == nil {
		var zero T
		a.Set(zero)
		return
	}
	a.mu.Lock()
	var zero T
	a.value, a.err = zero, err
	a.state.Store(arError)
	a.mu.Unlock()
	a.links.NotifyAny(a)
}

// Hub returns the hub the result is bound to (that of the first greenlet
// that linked or waited; nil before). scheduler.IWait uses it to refuse a
// wait from another hub. Goroutine-safe.
func (a *AsyncResult[T]) Hub() *scheduler.Hub {
	if a == nil {
		return nil
	}
	return a.links.Hub()
}

// LinkCount returns how many links and waiters are registered (gevent's linkcount).
func (a *AsyncResult[T]) LinkCount() int {
	if a == nil {
		return 0
	}
	return a.links.Len()
}

// Ready reports whether a value or an error was set.
func (a *AsyncResult[T]) Ready() bool { return a != nil && a.state.Load() != arUnset }

// Successful reports whether a value (not an error) was set.
func (a *AsyncResult[T]) Successful() bool { return a != nil && a.state.Load() == arValue }

// Value returns the value set, or the zero value.
func (a *AsyncResult[T]) Value() T {
	if a == nil {
		var zero T
		return zero
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.value
}

// Err returns the error set with SetError, or nil.
func (a *AsyncResult[T]) Err() error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *AsyncResult[T]) result() (T, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.value, a.err
}

// Get waits until a result is set or ctx is done and returns the value, or
// the error set with SetError. A wait that ends early returns its own error
// (an *Error naming AsyncResult.Get that wraps scheduler.ContextError's, or
// what was thrown into the greenlet, as it is).
func (a *AsyncResult[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if a == nil || ctx == nil {
		return zero, opErr("AsyncResult.Get", scheduler.ErrNilArgument)
	}
	// Hub-affine even when ready, as Wait on a ready result is.
	if _, err := a.links.check("AsyncResult.Get", true); err != nil {
		return zero, err
	}
	if a.Ready() {
		return a.result()
	}
	if err := a.links.waitCore(ctx, a, "AsyncResult.Get", 0); err != nil {
		return zero, err
	}
	if !a.Ready() {
		return zero, opErr("AsyncResult.Get", ErrNotReady)
	}
	return a.result()
}

// TryGet returns the result if one was set, else an error matching
// ErrNotReady.
func (a *AsyncResult[T]) TryGet() (T, error) {
	if a == nil {
		var zero T
		return zero, opErr("AsyncResult.TryGet", scheduler.ErrNilArgument)
	}
	if a.Ready() {
		return a.result()
	}
	var zero T
	return zero, opErr("AsyncResult.TryGet", ErrNotReady)
}

// Wait blocks until a result is set or ctx is done; unlike Get it does not
// return the stored error, only the wait's own. Once a result is set it
// returns nil whatever ctx, as Event.Wait does.
func (a *AsyncResult[T]) Wait(ctx context.Context) error {
	if a == nil {
		return opErr("AsyncResult.Wait", scheduler.ErrNilArgument)
	}
	return a.links.Wait(ctx, a, "AsyncResult.Wait")
}

// Rawlink calls fn on the hub, once, when the result is set. Hub-affine.
func (a *AsyncResult[T]) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	if a == nil {
		return 0
	}
	return a.links.Rawlink(a, fn)
}

// Unlink removes a link that has not run.
func (a *AsyncResult[T]) Unlink(id scheduler.LinkID) {
	if a != nil {
		a.links.Unlink(id)
	}
}
