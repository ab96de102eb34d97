package event

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// AsyncResult is gevent's AsyncResult: a one-shot value or error that
// greenlets wait for. The zero value is unset.
//
// Set, SetError, Ready, Successful, Value and Err are goroutine-safe; Get,
// Wait, Rawlink and Unlink are hub-affine.
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
	a.mu.Lock()
	a.value, a.err = value, nil
	a.state.Store(arValue)
	a.mu.Unlock()
	a.links.NotifyAny(a)
}

// SetError stores err as the outcome (gevent's set_exception); Get returns
// it. A nil err is Set of the zero value.
func (a *AsyncResult[T]) SetError(err error) {
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
func (a *AsyncResult[T]) Hub() *scheduler.Hub { return a.links.BoundHub() }

// Ready reports whether a value or an error was set.
func (a *AsyncResult[T]) Ready() bool { return a.state.Load() != arUnset }

// Successful reports whether a value (not an error) was set.
func (a *AsyncResult[T]) Successful() bool { return a.state.Load() == arValue }

// Value returns the value set, or the zero value.
func (a *AsyncResult[T]) Value() T {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.value
}

// Err returns the error set with SetError, or nil.
func (a *AsyncResult[T]) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *AsyncResult[T]) result() (T, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.value, a.err
}

// Get returns the value, or the error set with SetError. If nothing is set
// yet: with block false it returns ErrNotReady (matching
// scheduler.ErrTimeout); else it waits up to timeout (Forever: no limit)
// and returns the *scheduler.Timeout when that expires.
func (a *AsyncResult[T]) Get(block bool, timeout time.Duration) (T, error) {
	if a.Ready() {
		return a.result()
	}
	var zero T
	if !block {
		return zero, opErr("AsyncResult.Get", ErrNotReady)
	}
	if _, err := a.links.WaitCore(a, timeout, "AsyncResult.Get", false); err != nil {
		return zero, err
	}
	if !a.Ready() {
		return zero, opErr("AsyncResult.Get", ErrNotReady)
	}
	return a.result()
}

// Wait blocks until a result is set or timeout expires and reports whether
// the result is ready; unlike Get it does not return the stored error.
func (a *AsyncResult[T]) Wait(timeout time.Duration) (bool, error) {
	_, _, err := a.links.Wait(a, timeout, "AsyncResult.Wait")
	return a.Ready(), err
}

// Rawlink calls fn on the hub, once, when the result is set. Hub-affine.
func (a *AsyncResult[T]) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	return a.links.Rawlink(a, fn)
}

// Unlink removes a link that has not run.
func (a *AsyncResult[T]) Unlink(id scheduler.LinkID) { a.links.Unlink(id) }
