// Package lock provides gevent's locking primitives for greenlets:
// Semaphore, BoundedSemaphore, Lock, RLock and DummySemaphore.
//
// # Hand-off
//
// A release never switches: it schedules one hub callback that wakes the
// next waiter, in the order they started waiting. Between the release and
// that callback a greenlet that calls Acquire and finds the semaphore free
// takes it (gevent lets newcomers in the same way); the waiter is woken only
// if the semaphore is still free when its turn comes.
//
// # Goroutines
//
// Semaphore, BoundedSemaphore, Lock and RLock are hub-affine: use them from
// the greenlets of one hub (its main greenlet, the greenlets it spawned, and
// its callbacks for the calls that do not wait). From any other goroutine
// Acquire, Wait and Release return an error matching scheduler.ErrNotGreenlet,
// TryAcquire returns false and Rawlink links nothing, and nothing changes;
// Acquire and Wait are refused the same way from the hub greenlet itself
// when they would have to wait (one that finds the semaphore free takes it
// or returns at once, as gevent's acquire does from its hub).
// Hub is goroutine-safe; Counter, Locked, Ready, Count, IsOwned and
// LinkCount are hub-affine reads. DummySemaphore holds no state: its calls succeed from any
// goroutine (its Rawlink links nothing outside a greenlet).
//
// # Waiting
//
// Acquire and Wait take a context first and end with an *Error naming the
// call that wraps scheduler.ContextError's error when it ends first (as
// every wait of the module does, see package scheduler), or with the error
// thrown into the waiting greenlet (Kill's GreenletExit, even a Kill with
// context.Canceled while ctx lives, a *scheduler.Timeout, a
// *scheduler.LoopExitError), as it is. A caller that waits on a lock for a
// call of its own (pool does) reports a context's end under its call's
// name, in place of this one. A waiter whose wait ends early takes nothing
// and leaves no link behind.
//
// Destroying the hub ends its waits with GreenletExit and runs the defers of
// its greenlets: a Release made there (the usual defer after an Acquire)
// still releases, with nobody left to wake, so that a lock a greenlet held
// when its hub ended is free for the next hub that uses it.
//
// # Zero values
//
// The zero Semaphore and BoundedSemaphore have gevent's default value, 1 (the
// bounded one may not be released above it); the zero Lock and RLock are
// unlocked. None needs a constructor. Each binds to the hub of the first
// greenlet that uses it, and binds again to the next hub that uses it once
// that hub is destroyed.
package lock

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/labelwait"
	"github.com/geventgo/geventgo/scheduler"
)

// The Semaphore's waits under a label of the caller's (package pool's).
func init() {
	labelwait.SemaphoreAcquire = func(s any, ctx context.Context, label string) error {
		return s.(*Semaphore).acquire(ctx, label, false)
	}
	labelwait.SemaphoreWait = func(s any, ctx context.Context, label string) (int, error) {
		return s.(*Semaphore).wait(ctx, label)
	}
}

// Sentinel errors, matchable with errors.Is.
var (
	// ErrReleasedTooManyTimes is returned by BoundedSemaphore.Release and
	// Lock.Release beyond the initial value (gevent's ValueError).
	ErrReleasedTooManyTimes = errors.New("released too many times")
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
	Err     error  // the cause: ErrReleasedTooManyTimes, ErrNotHeld, ErrNegative or scheduler's (ErrNotGreenlet, ErrNilArgument ...)
}

// Error returns "lock: Op: sentinel"; Counter is not part of the text.
func (e *Error) Error() string {
	if e == nil {
		return "lock: <nil>"
	}
	return "lock: " + e.Op + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout (a context's deadline:
// scheduler.ContextError's error), so os.IsTimeout and net.Error users see
// one, as with package os's and net's errors.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

// Semaphore is gevent's Semaphore: a counter of releases minus acquires plus
// an initial value; Acquire blocks while it is zero. It does not track who
// acquired it. The zero value has the initial value 1, gevent's default;
// NewSemaphore sets another. Hub-affine.
//
// It implements scheduler.Linkable: it is ready when it can be acquired, and
// a release wakes links one at a time for as long as it stays ready.
type Semaphore struct {
	counter int
	initial int
	bounded bool
	set     bool // counter and initial hold the value: false in the zero value
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

// nilArg is the error of a call on a nil semaphore or lock, or with a nil
// context.
func nilArg(op string) error { return &Error{Op: op, Err: scheduler.ErrNilArgument} }

func (s *Semaphore) init(value int, bounded bool) {
	s.counter, s.initial, s.bounded, s.set = value, value, bounded, true
	s.links.OnlyWhileReady = true
}

// count is the counter, 1 for a zero semaphore, without initialising it: the
// readers must not write (a foreign goroutine may call them).
func (s *Semaphore) count() int {
	if s == nil {
		return 0
	}
	if !s.set {
		return 1
	}
	return s.counter
}

// lazy gives a zero semaphore gevent's default value, 1; only after an
// affinity check passed.
func (s *Semaphore) lazy() *Semaphore {
	if !s.set {
		s.init(1, s.bounded)
	}
	return s
}

// lazyBounded is lazy that also marks the semaphore bounded when a
// BoundedSemaphore's method calls it (its zero value does not know it is
// bounded yet); only after an affinity check passed.
func (s *Semaphore) lazyBounded(bounded bool) *Semaphore {
	if bounded {
		s.bounded = true
	}
	return s.lazy()
}

// Counter returns the current counter.
func (s *Semaphore) Counter() int { return s.count() }

// Locked reports whether Acquire would block.
func (s *Semaphore) Locked() bool { return s.count() <= 0 }

// Ready reports whether the semaphore can be acquired without blocking.
func (s *Semaphore) Ready() bool { return s.count() > 0 }

// Acquire decrements the counter, waiting while it is zero or until ctx is
// done. It returns nil once acquired, an *Error naming the call that wraps
// scheduler.ContextError's error when ctx ended first, what was thrown into
// the waiting greenlet (Kill, a Timeout, LoopExit), or an error matching
// ErrNotGreenlet.
func (s *Semaphore) Acquire(ctx context.Context) error {
	if s == nil || ctx == nil {
		return nilArg("Semaphore.Acquire")
	}
	return s.acquire(ctx, "Semaphore.Acquire", false)
}

// acquire is Acquire for op, which its errors and its wait's label name;
// bounded marks a zero BoundedSemaphore as such.
// Nothing of s is read or written before the affinity check: a foreign
// goroutine's call must not race with the hub's.
func (s *Semaphore) acquire(ctx context.Context, op string, bounded bool) error {
	if err := s.links.Check(op); err != nil {
		return lockErr(op, err)
	}
	s.lazyBounded(bounded)
	for {
		if s.counter > 0 {
			s.counter--
			return nil
		}
		err := s.links.Wait(ctx, s, op)
		if err != nil {
			if s.counter > 0 && errors.Is(err, scheduler.ErrLoopExit) {
				continue
			}
			return lockErr(op, err)
		}
	}
}

// TryAcquire decrements the counter if it is above zero and reports whether
// it did; it never blocks. From a goroutine that is not a greenlet of the
// semaphore's hub it acquires nothing and returns false.
func (s *Semaphore) TryAcquire() bool {
	if s == nil {
		return false
	}
	return s.tryAcquire("Semaphore.TryAcquire", false)
}

// tryAcquire is TryAcquire for op, checked as acquire is.
func (s *Semaphore) tryAcquire(op string, bounded bool) bool {
	if s.links.Check(op) != nil {
		return false
	}
	if s.lazyBounded(bounded).counter > 0 {
		s.counter--
		return true
	}
	return false
}

// Release increments the counter and schedules the wake-up of the first
// waiter; it returns the new counter. A BoundedSemaphore refuses to go above
// its initial value, and no semaphore goes above math.MaxInt (the counter
// would wrap to a negative value and lock the semaphore for good): both
// fail with ErrReleasedTooManyTimes and the counter unchanged. From a
// goroutine that is not a greenlet of the semaphore's hub it returns 0 and
// an error matching ErrNotGreenlet.
func (s *Semaphore) Release() (int, error) {
	if s == nil {
		return 0, nilArg("Semaphore.Release")
	}
	return s.release("Semaphore.Release", false)
}

// release is Release for op, checked as acquire is.
func (s *Semaphore) release(op string, bounded bool) (int, error) {
	if err := releaseCheck(&s.links, op); err != nil {
		return 0, err
	}
	s.lazyBounded(bounded)
	if s.bounded && s.counter >= s.initial || s.counter == math.MaxInt {
		return s.counter, &Error{Op: op, Counter: s.counter, Err: ErrReleasedTooManyTimes}
	}
	s.counter++
	if s.links.Len() > 0 {
		// Only then: CheckAndNotify checks its caller again, which an
		// uncontended release need not pay for.
		s.links.CheckAndNotify(s)
	}
	return s.counter, nil
}

// Wait waits until the semaphore can be acquired, without acquiring it, or
// until ctx is done; it returns the counter then (which may be 0 if others
// acquired it first).
func (s *Semaphore) Wait(ctx context.Context) (int, error) {
	if s == nil || ctx == nil {
		return 0, nilArg("Semaphore.Wait")
	}
	return s.wait(ctx, "Semaphore.Wait")
}

// wait is Wait for the call op, which its errors and its wait's label name.
func (s *Semaphore) wait(ctx context.Context, op string) (int, error) {
	if err := s.links.Check(op); err != nil {
		return 0, lockErr(op, err)
	}
	if s.lazy().counter > 0 {
		return s.counter, nil
	}
	err := s.links.Wait(ctx, s, op)
	return s.counter, lockErr(op, err)
}

// Rawlink calls fn on the hub when the semaphore can be acquired (gevent's
// rawlink); fn is called once and should acquire or pass the turn on.
func (s *Semaphore) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	if s == nil || s.links.Check("Semaphore.Rawlink") != nil {
		return 0
	}
	return s.lazy().links.Rawlink(s, fn)
}

// Unlink removes a link that has not run.
func (s *Semaphore) Unlink(id scheduler.LinkID) {
	if s != nil {
		s.links.Unlink(id)
	}
}

// Hub returns the hub the semaphore is bound to (that of the first greenlet
// that used it; nil before). scheduler.IWait uses it to refuse a wait from
// another hub. Goroutine-safe.
func (s *Semaphore) Hub() *scheduler.Hub {
	if s == nil {
		return nil
	}
	return s.links.Hub()
}

// LinkCount returns how many links and waiters are registered.
func (s *Semaphore) LinkCount() int {
	if s == nil {
		return 0
	}
	return s.links.Len()
}

// BoundedSemaphore is a Semaphore that cannot be released above its initial
// value. The zero value is bounded at 1, gevent's default;
// NewBoundedSemaphore sets another value.
type BoundedSemaphore struct {
	// Semaphore supplies every method but Release, which also marks a
	// zero value bounded before it first acts.
	Semaphore
}

// Release is Semaphore.Release that fails with ErrReleasedTooManyTimes above
// the initial value.
func (b *BoundedSemaphore) Release() (int, error) {
	if b == nil {
		return 0, nilArg("BoundedSemaphore.Release")
	}
	return b.release("BoundedSemaphore.Release", true)
}

// Acquire is Semaphore.Acquire; see it.
func (b *BoundedSemaphore) Acquire(ctx context.Context) error {
	if b == nil || ctx == nil {
		return nilArg("BoundedSemaphore.Acquire")
	}
	return b.acquire(ctx, "BoundedSemaphore.Acquire", true)
}

// TryAcquire is Semaphore.TryAcquire; see it.
func (b *BoundedSemaphore) TryAcquire() bool {
	if b == nil {
		return false
	}
	return b.tryAcquire("BoundedSemaphore.TryAcquire", true)
}

// Lock is a mutual-exclusion lock for greenlets: a bounded semaphore of 1.
// The zero value is unlocked. Releasing an unlocked Lock returns
// ErrReleasedTooManyTimes. Any greenlet may release it (use RLock for an
// owner-checked lock). Hub-affine.
type Lock struct {
	s BoundedSemaphore
}

// Acquire takes the lock, waiting as Semaphore.Acquire does.
func (l *Lock) Acquire(ctx context.Context) error {
	if l == nil || ctx == nil {
		return nilArg("Lock.Acquire")
	}
	return l.s.acquire(ctx, "Lock.Acquire", true)
}

// TryAcquire takes the lock if it is free and reports whether it did.
func (l *Lock) TryAcquire() bool { return l != nil && l.s.tryAcquire("Lock.TryAcquire", true) }

// Release frees the lock and schedules the wake-up of the first waiter.
func (l *Lock) Release() error {
	if l == nil {
		return nilArg("Lock.Release")
	}
	_, err := l.s.release("Lock.Release", true)
	return err
}

// Locked reports whether the lock is held.
func (l *Lock) Locked() bool { return l == nil || l.s.Locked() }

// Ready reports whether the lock is free.
func (l *Lock) Ready() bool { return l != nil && l.s.Ready() }

// Rawlink calls fn on the hub once the lock is free.
func (l *Lock) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	if l == nil {
		return 0
	}
	return l.s.Rawlink(fn)
}

// Unlink removes a link that has not run.
func (l *Lock) Unlink(id scheduler.LinkID) {
	if l != nil {
		l.s.Unlink(id)
	}
}

// Hub returns the hub the lock is bound to; see Semaphore.Hub.
func (l *Lock) Hub() *scheduler.Hub {
	if l == nil {
		return nil
	}
	return l.s.Hub()
}

// RLock is gevent's RLock: a reentrant lock owned by the greenlet that
// acquired it; only the owner may release it. The zero value is unlocked.
// Hub-affine.
type RLock struct {
	block Lock
	owner *greenlet.Greenlet
	count int
}

// caller returns the calling greenlet if it may use the lock.
func (r *RLock) caller(op string) (*greenlet.Greenlet, error) {
	if r == nil {
		return nil, nilArg(op)
	}
	if err := r.block.s.links.Check(op); err != nil {
		return nil, lockErr(op, err)
	}
	return greenlet.Current(), nil
}

// releaseCheck is links' Check for a release, which a greenlet's defer may
// also make while Destroy unwinds the hub: ErrHubDestroyed is only ever
// given to the hub's own greenlets, which Destroy runs one at a time on the
// hub's goroutine, so the counter is still theirs to update (and with no
// link left to run, the release wakes nobody).
func releaseCheck(l *event.Links, op string) error {
	err := l.Check(op)
	if errors.Is(err, scheduler.ErrHubDestroyed) {
		return nil
	}
	return lockErr(op, err)
}

// lockErr gives the links' own errors for op (an *event.Error naming op: a
// refusal of the call, or ctx's end) the lock's type, so that their text
// names package lock; the cause is kept for errors.Is and errors.As. Any
// other error (what was thrown into the waiting greenlet, even another
// primitive's *event.Error) is returned as it is.
func lockErr(op string, err error) error {
	if e, ok := err.(*event.Error); ok && e.Op == op {
		return &Error{Op: op, Err: e.Err}
	}
	return err
}

// Acquire takes the lock or, for its owner, increments its recursion count.
func (r *RLock) Acquire(ctx context.Context) error {
	if ctx == nil {
		return nilArg("RLock.Acquire")
	}
	me, err := r.caller("RLock.Acquire")
	if err != nil {
		return err
	}
	if r.owner == me {
		r.count++
		return nil
	}
	if err := r.block.s.acquire(ctx, "RLock.Acquire", true); err != nil {
		return err
	}
	r.owner, r.count = me, 1
	return nil
}

// TryAcquire is Acquire without waiting: it reports whether the caller now
// holds the lock.
func (r *RLock) TryAcquire() bool {
	me, err := r.caller("RLock.TryAcquire")
	if err != nil {
		return false
	}
	if r.owner == me {
		r.count++
		return true
	}
	if !r.block.s.tryAcquire("RLock.TryAcquire", true) {
		return false
	}
	r.owner, r.count = me, 1
	return true
}

// Release decrements the recursion count and frees the lock at zero. It
// returns ErrNotHeld when the caller does not hold the lock.
func (r *RLock) Release() error {
	if r == nil {
		return nilArg("RLock.Release")
	}
	if err := releaseCheck(&r.block.s.links, "RLock.Release"); err != nil {
		return err
	}
	me := greenlet.Current()
	if r.owner == nil || r.owner != me {
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
func (r *RLock) Locked() bool { return r == nil || r.owner != nil }

// Count returns the owner's recursion depth (0 when free).
func (r *RLock) Count() int {
	if r == nil {
		return 0
	}
	return r.count
}

// IsOwned reports whether the calling greenlet holds the lock.
func (r *RLock) IsOwned() bool {
	me, err := r.caller("RLock.IsOwned")
	return err == nil && r.owner != nil && r.owner == me
}

// DummySemaphore is gevent's DummySemaphore: a semaphore that is always
// free, for code that takes a semaphore but needs no limit (an unbounded
// Pool). Unlike gevent's, whose rawlink never calls back, Rawlink schedules
// fn at the next hub turn, since the object is always ready; that keeps
// scheduler.Wait on it from blocking forever.
type DummySemaphore struct{}

// Acquire always succeeds at once (a nil ctx is refused, as everywhere).
func (DummySemaphore) Acquire(ctx context.Context) error {
	if ctx == nil {
		return &Error{Op: "DummySemaphore.Acquire", Err: scheduler.ErrNilArgument}
	}
	return nil
}

// TryAcquire always succeeds.
func (DummySemaphore) TryAcquire() bool { return true }

// Release does nothing.
func (DummySemaphore) Release() (int, error) { return 1, nil }

// Wait returns 1 at once.
func (DummySemaphore) Wait(ctx context.Context) (int, error) {
	if ctx == nil {
		return 0, &Error{Op: "DummySemaphore.Wait", Err: scheduler.ErrNilArgument}
	}
	return 1, nil
}

// Locked is always false.
func (DummySemaphore) Locked() bool { return false }

// Ready is always true.
func (DummySemaphore) Ready() bool { return true }

// Rawlink schedules fn on the caller's hub; outside a greenlet, or for a nil
// fn, it links nothing and returns 0.
func (d DummySemaphore) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	h := scheduler.CurrentHub()
	if h == nil || fn == nil {
		return 0
	}
	_, _ = h.RunCallback(func() { fn(d) }) // h is the caller's own hub: cannot be refused
	return 0
}

// Unlink does nothing: the link cannot be told apart once scheduled.
func (DummySemaphore) Unlink(scheduler.LinkID) {}

// sem returns the embedded Semaphore, nil for a nil b. The Semaphore
// methods below are spelled out so that a nil *BoundedSemaphore gets the
// nil *Semaphore's answers (ErrNilArgument, zero) instead of a nil
// dereference.
func (b *BoundedSemaphore) sem() *Semaphore {
	if b == nil {
		return nil
	}
	return &b.Semaphore
}

// Counter is Semaphore.Counter.
func (b *BoundedSemaphore) Counter() int { return b.sem().Counter() }

// Locked is Semaphore.Locked.
func (b *BoundedSemaphore) Locked() bool { return b.sem().Locked() }

// Ready is Semaphore.Ready.
func (b *BoundedSemaphore) Ready() bool { return b.sem().Ready() }

// Wait is Semaphore.Wait.
func (b *BoundedSemaphore) Wait(ctx context.Context) (int, error) {
	if b == nil || ctx == nil {
		return 0, nilArg("BoundedSemaphore.Wait")
	}
	return b.wait(ctx, "BoundedSemaphore.Wait")
}

// Rawlink is Semaphore.Rawlink.
func (b *BoundedSemaphore) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	return b.sem().Rawlink(fn)
}

// Unlink is Semaphore.Unlink.
func (b *BoundedSemaphore) Unlink(id scheduler.LinkID) { b.sem().Unlink(id) }

// Hub is Semaphore.Hub.
func (b *BoundedSemaphore) Hub() *scheduler.Hub { return b.sem().Hub() }

// LinkCount is Semaphore.LinkCount.
func (b *BoundedSemaphore) LinkCount() int { return b.sem().LinkCount() }
