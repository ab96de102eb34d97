// Package lock provides gevent's locking primitives for greenlets:
// Semaphore, BoundedSemaphore, Lock, RLock and DummySemaphore.
//
// All of them are hub-affine: use them from greenlets (or the main
// greenlet) of one hub. A release never switches: it schedules one hub
// callback that wakes the next waiter, in the order they started waiting.
// Between the release and that callback a greenlet that calls Acquire and
// finds the semaphore free takes it (gevent lets newcomers in the same way);
// the waiter is woken only if the semaphore is still free when its turn comes.
package lock

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// Sentinel errors, matchable with errors.Is.
var (
	// ErrReleasedTooManyTimes is returned by BoundedSemaphore.Release and
	// Lock.Release beyond the initial value (gevent's ValueError).
	ErrReleasedTooManyTimes = errors.New("semaphore released too many times")
	// ErrNotHeld is returned by RLock.Release from a greenlet that does not
	// hold the lock (gevent's RuntimeError).
	ErrNotHeld = errors.New("cannot release un-acquired lock")
	// ErrNegative is returned for a negative initial value.
	ErrNegative = errors.New("semaphore initial value must be >= 0")
)

// Error adds the operation and the counter to a sentinel.
type Error struct {
	Op      string // e.g. "BoundedSemaphore.Release"
	Counter int    // the counter when it failed
	Err     error  // the sentinel: ErrReleasedTooManyTimes, ErrNotHeld or ErrNegative
}

// Error returns "lock: Op: sentinel"; Counter is not part of the text.
func (e *Error) Error() string {
	return "lock: " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// Semaphore is gevent's Semaphore: a counter of releases minus acquires plus
// an initial value; Acquire blocks while it is zero. It does not track who
// acquired it. Create it with NewSemaphore; it is hub-affine.
//
// It implements scheduler.Linkable: it is ready when it can be acquired, and
// a release wakes links one at a time for as long as it stays ready.
type Semaphore struct {
	counter int
	initial int
	bounded bool
	links   event.Links
}

var _ scheduler.Linkable = (*Semaphore)(nil)

// NewSemaphore returns a semaphore with the given initial value.
func NewSemaphore(value int) (*Semaphore, error) {
	if value < 0 {
		return nil, &Error{Op: "NewSemaphore", Counter: value, Err: ErrNegative}
	}
	s := &Semaphore{}
	s.init(value, false)
	return s, nil
}

// NewBoundedSemaphore returns a semaphore whose Release fails with
// ErrReleasedTooManyTimes when the counter would exceed value.
func NewBoundedSemaphore(value int) (*BoundedSemaphore, error) {
	if value < 0 {
		return nil, &Error{Op: "NewBoundedSemaphore", Counter: value, Err: ErrNegative}
	}
	s := &BoundedSemaphore{}
	s.init(value, true)
	return s, nil
}

func (s *Semaphore) init(value int, bounded bool) {
	s.counter, s.initial, s.bounded = value, value, bounded
	s.links.OnlyWhileReady = true
}

// Counter returns the current counter.
func (s *Semaphore) Counter() int { return s.counter }

// Locked reports whether Acquire would block.
func (s *Semaphore) Locked() bool { return s.counter <= 0 }

// Ready reports whether the semaphore can be acquired without blocking.
func (s *Semaphore) Ready() bool { return s.counter > 0 }

// Acquire decrements the counter, waiting while it is zero unless block is
// false, for at most timeout (scheduler.Forever: no limit). It reports
// whether it acquired; err is what was thrown into the waiting greenlet
// (Kill, an outer Timeout, LoopExit) or ErrNotGreenlet.
func (s *Semaphore) Acquire(block bool, timeout time.Duration) (bool, error) {
	for {
		if s.counter > 0 {
			s.counter--
			return true, nil
		}
		if !block {
			return false, nil
		}
		_, ok, err := s.links.Wait(s, timeout, "Semaphore.Acquire")
		if err != nil {
			if s.counter > 0 && errors.Is(err, scheduler.ErrLoopExit) {
				continue
			}
			return false, err
		}
		if !ok {
			return false, nil
		}
	}
}

// Release increments the counter and schedules the wake-up of the first
// waiter; it returns the new counter. A BoundedSemaphore refuses to go above
// its initial value.
func (s *Semaphore) Release() (int, error) {
	if s.bounded && s.counter >= s.initial {
		return s.counter, &Error{Op: "BoundedSemaphore.Release", Counter: s.counter, Err: ErrReleasedTooManyTimes}
	}
	s.counter++
	s.links.CheckAndNotify(s)
	return s.counter, nil
}

// Wait waits until the semaphore can be acquired, without acquiring it, or
// until timeout expires; it returns the counter then (which may be 0 if
// others acquired it first).
func (s *Semaphore) Wait(timeout time.Duration) (int, error) {
	if s.counter > 0 {
		return s.counter, nil
	}
	_, _, err := s.links.Wait(s, timeout, "Semaphore.Wait")
	return s.counter, err
}

// Rawlink calls fn on the hub when the semaphore can be acquired (gevent's
// rawlink); fn is called once and should acquire or pass the turn on.
func (s *Semaphore) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	return s.links.Rawlink(s, fn)
}

// Unlink removes a link that has not run.
func (s *Semaphore) Unlink(id scheduler.LinkID) { s.links.Unlink(id) }

// Hub returns the hub the semaphore is bound to (that of the first greenlet
// that linked or waited; nil before). scheduler.IWait uses it to refuse a
// wait from another hub. Goroutine-safe.
func (s *Semaphore) Hub() *scheduler.Hub { return s.links.BoundHub() }

// LinkCount returns how many links and waiters are registered.
func (s *Semaphore) LinkCount() int { return s.links.Len() }

// BoundedSemaphore is a Semaphore that cannot be released above its initial
// value. Create it with NewBoundedSemaphore.
type BoundedSemaphore struct {
	// Semaphore supplies every method; NewBoundedSemaphore marks it
	// bounded, which is what makes Release refuse to exceed the initial
	// value.
	Semaphore
}

// Lock is a mutual-exclusion lock for greenlets: a bounded semaphore of 1.
// The zero value is unlocked. Releasing an unlocked Lock returns
// ErrReleasedTooManyTimes. Any greenlet may release it (use RLock for an
// owner-checked lock). Hub-affine.
type Lock struct {
	s     Semaphore
	ready bool
}

func (l *Lock) sem() *Semaphore {
	if !l.ready {
		l.s.init(1, true)
		l.ready = true
	}
	return &l.s
}

// Acquire takes the lock, waiting as Semaphore.Acquire does.
func (l *Lock) Acquire(block bool, timeout time.Duration) (bool, error) {
	return l.sem().Acquire(block, timeout)
}

// Release frees the lock and schedules the wake-up of the first waiter.
func (l *Lock) Release() error {
	_, err := l.sem().Release()
	if err != nil {
		return &Error{Op: "Lock.Release", Err: ErrReleasedTooManyTimes}
	}
	return nil
}

// Locked reports whether the lock is held.
func (l *Lock) Locked() bool { return l.sem().Locked() }

// Ready reports whether the lock is free.
func (l *Lock) Ready() bool { return l.sem().Ready() }

// Rawlink calls fn on the hub once the lock is free.
func (l *Lock) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	return l.sem().Rawlink(fn)
}

// Unlink removes a link that has not run.
func (l *Lock) Unlink(id scheduler.LinkID) { l.sem().Unlink(id) }

// RLock is gevent's RLock: a reentrant lock owned by the greenlet that
// acquired it; only the owner may release it. The zero value is unlocked.
// Hub-affine.
type RLock struct {
	block Lock
	owner any
	count int
}

func current() any { return scheduler.CurrentRaw() }

// Acquire takes the lock or, for its owner, increments its recursion count.
func (r *RLock) Acquire(block bool, timeout time.Duration) (bool, error) {
	me := current()
	if r.owner == me {
		r.count++
		return true, nil
	}
	ok, err := r.block.Acquire(block, timeout)
	if ok {
		r.owner, r.count = me, 1
	}
	return ok, err
}

// Release decrements the recursion count and frees the lock at zero. It
// returns ErrNotHeld when the caller does not hold the lock.
func (r *RLock) Release() error {
	if r.owner == nil || r.owner != current() {
		return &Error{Op: "RLock.Release", Counter: r.count, Err: ErrNotHeld}
	}
	r.count--
	if r.count == 0 {
		r.owner = nil
		return r.block.Release()
	}
	return nil
}

// Locked reports whether some greenlet holds the lock.
func (r *RLock) Locked() bool { return r.owner != nil }

// Count returns the owner's recursion depth (0 when free).
func (r *RLock) Count() int { return r.count }

// IsOwned reports whether the calling greenlet holds the lock.
func (r *RLock) IsOwned() bool { return r.owner != nil && r.owner == current() }

// DummySemaphore is gevent's DummySemaphore: a semaphore that is always
// free, for code that takes a semaphore but needs no limit (an unbounded
// Pool). Unlike gevent's, whose rawlink never calls back, Rawlink schedules
// fn at the next hub turn, since the object is always ready; that keeps
// scheduler.Wait on it from blocking forever.
type DummySemaphore struct{}

// Acquire always succeeds at once.
func (DummySemaphore) Acquire(bool, time.Duration) (bool, error) { return true, nil }

// Release does nothing.
func (DummySemaphore) Release() (int, error) { return 1, nil }

// Wait returns 1 at once.
func (DummySemaphore) Wait(time.Duration) (int, error) { return 1, nil }

// Locked is always false.
func (DummySemaphore) Locked() bool { return false }

// Ready is always true.
func (DummySemaphore) Ready() bool { return true }

// Rawlink schedules fn on the caller's hub.
func (d DummySemaphore) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	scheduler.GetHub().RunCallback(func() { fn(d) })
	return 0
}

// Unlink does nothing: the link cannot be told apart once scheduled.
func (DummySemaphore) Unlink(scheduler.LinkID) {}
