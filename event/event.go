package event

import (
	"context"
	"sync/atomic"

	"github.com/geventgo/geventgo/internal/labelwait"
	"github.com/geventgo/geventgo/scheduler"
)

// Event is gevent's Event: a flag that greenlets wait for. Set wakes every
// greenlet blocked in Wait, in the order they started waiting, from one hub
// callback. The zero value is an unset event.
//
// Set, Clear, IsSet, Ready and Hub are goroutine-safe; Wait, Rawlink,
// Unlink and LinkCount are hub-affine.
type Event struct {
	// state is the flag (bit 0) and the number of Clears that found it set
	// (the other bits), so that the notification of a Set from another
	// goroutine tells the links that waited then from those added after a
	// Clear that followed it.
	state atomic.Uint64
	links Links
}

var _ scheduler.Linkable = (*Event)(nil)

// Set sets the flag and schedules the waiters' wake-up; it never switches.
func (e *Event) Set() {
	if e == nil {
		return
	}
	e.state.Or(1)
	e.links.notifySet(e)
}

// Clear resets the flag. Greenlets waiting when Set was called still wake,
// whichever goroutine called it; those that start waiting after Clear wait
// for the next Set, even while the wake-up of the earlier ones is pending.
func (e *Event) Clear() {
	if e == nil {
		return
	}
	for s := e.state.Load(); s&1 != 0; s = e.state.Load() {
		if e.state.CompareAndSwap(s, s+1) { // flag off, one more Clear counted
			return
		}
	}
}

// due reports whether a link added with epoch Clears counted is to be
// called when the event's state word is s: whether the flag was set since
// the link was added, or was set then (a greenlet that found it set waits
// only for its turn). The flag set now (s = 2c+1, every link's epoch at most
// c) makes every link due; the flag clear with c Clears counted (s = 2c), the
// links added before the last Clear (epoch below c), which the Set that
// Clear undid was made for. The word only grows, so a due link stays due.
func due(epoch, s uint64) bool { return epoch<<1 < s }

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool { return e != nil && e.state.Load()&1 != 0 }

// Ready is IsSet, for scheduler.Wait and IWait.
func (e *Event) Ready() bool { return e != nil && e.state.Load()&1 != 0 }

// Wait blocks until the flag is set or ctx is done. It returns nil when the
// flag was set while the caller waited (even if cleared again since) or is
// set now (whatever ctx), an *Error naming Event.Wait that wraps
// scheduler.ContextError's error when ctx ended first, and what was thrown
// into the waiting greenlet as it is (Kill, a Timeout, LoopExit).
func (e *Event) Wait(ctx context.Context) error { return e.waitAs(ctx, "Event.Wait") }

// waitAs is Wait for a greenlet shown waiting on label, which its errors
// name (lent through internal/labelwait).
func (e *Event) waitAs(ctx context.Context, label string) error {
	if e == nil {
		return opErr(label, scheduler.ErrNilArgument)
	}
	return e.links.wait(ctx, e, label, e.state.Load()>>1)
}

func init() {
	labelwait.EventWait = func(e any, ctx context.Context, label string) error {
		return e.(*Event).waitAs(ctx, label)
	}
}

// Rawlink calls fn on the hub, once, when the event is set (at the next hub
// turn if it is set now). fn must not block. Hub-affine.
func (e *Event) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	if e == nil {
		return 0
	}
	return e.links.rawlinkAt(e, fn, e.state.Load()>>1)
}

// Unlink removes a link that has not run.
func (e *Event) Unlink(id scheduler.LinkID) {
	if e != nil {
		e.links.Unlink(id)
	}
}

// Hub returns the hub the event is bound to (that of the first greenlet
// that linked or waited; nil before). scheduler.IWait uses it to refuse a
// wait from another hub. Goroutine-safe.
func (e *Event) Hub() *scheduler.Hub {
	if e == nil {
		return nil
	}
	return e.links.Hub()
}

// LinkCount returns how many links and waiters are registered.
func (e *Event) LinkCount() int {
	if e == nil {
		return 0
	}
	return e.links.Len()
}
