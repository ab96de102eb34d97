package event

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// Links is gevent's AbstractLinkable: the list of callbacks (links) of an
// object that becomes ready, and the single pending hub callback that calls
// them. Event, AsyncResult and the lock package's semaphores embed one; a
// user type can too, passing itself as owner. The zero value is ready to
// use. Links binds to the hub of the first greenlet that links or waits.
// A wait without a time limit from a goroutine that has no hub, on links
// that are not bound, fails with ErrNotGreenlet instead of creating a hub
// that could only end in LoopExit (and would outlive the goroutine).
//
// Every method is hub-affine except NotifyAny, which is goroutine-safe.
type Links struct {
	hub atomic.Pointer[scheduler.Hub]
	// links in registration order; called links are removed (one-shot).
	links []link
	// arrived holds greenlets that found the owner ready while a
	// notification was pending: they wake after the links (gevent's
	// arrived_while_waiting).
	arrived   []link
	nextID    scheduler.LinkID
	notifier  scheduler.Callback
	notifying bool
	// notifyFn is the notification callback for notifyOwner.
	notifyFn    func()
	notifyOwner scheduler.Linkable
	// OnlyWhileReady stops a notification round as soon as the owner is no
	// longer ready (gevent's _notify_all = False, used by semaphores so that
	// one release wakes one waiter).
	OnlyWhileReady bool
}

// link is one registered link: a Rawlink function, or (k non-nil, fn nil)
// a greenlet blocked in Wait, which run wakes without a function value in
// between: a bound method value k.fire was one more allocation per wait and,
// with 10k waiters woken in one round, one more cache miss and call frame
// per waiter.
type link struct {
	id scheduler.LinkID
	fn func(scheduler.Linkable)
	k  *wakeup
}

// wakeup is the link of one greenlet blocked in Wait or WaitCore. fired
// tells the waiter that the link ran, so it was already removed and Unlink
// (a scan of the remaining links) can be skipped: with n waiters woken in
// one round the scans would make the round O(n^2).
type wakeup struct {
	w     scheduler.Waiter
	fired bool
}

func (k *wakeup) fire() {
	k.fired = true
	k.w.Switch(nil)
}

// BoundHub returns the hub the links are bound to without binding them: nil
// before first use, or when that hub was destroyed. Goroutine-safe.
func (l *Links) BoundHub() *scheduler.Hub {
	if h := l.hub.Load(); h != nil && !h.Destroyed() {
		return h
	}
	return nil
}

// Hub returns the hub the links are bound to, binding them to the caller's
// hub first if needed; it fails from a goroutine that is not a greenlet of
// the bound hub.
func (l *Links) Hub() (*scheduler.Hub, error) {
	h := l.hub.Load()
	if h != nil && !h.Destroyed() {
		if !h.OnHub() {
			return nil, ErrNotGreenlet
		}
		return h, nil
	}
	// First use binds to the caller's hub, creating it (gevent's
	// _capture_hub(True)).
	h = scheduler.GetHub()
	// A destroyed hub's links can never run again: start afresh.
	l.links, l.arrived, l.notifying = nil, nil, false
	l.hub.Store(h)
	return h, nil
}

// hubFor is Hub for a wait of timeout (Forever: none). A goroutine with no
// hub waiting forever on unbound links is refused without creating a hub:
// nothing could ever notify it there. A timed wait creates the goroutine's
// hub as any first scheduler call does (its outcome is the timeout, as in
// gevent's main thread).
func (l *Links) hubFor(timeout time.Duration) (*scheduler.Hub, error) {
	if timeout < 0 && l.unboundHubless() {
		return nil, ErrNotGreenlet
	}
	return l.Hub()
}

// unboundHubless reports whether the links are not bound to a live hub
// and the caller has no hub either.
func (l *Links) unboundHubless() bool {
	h := l.hub.Load()
	return (h == nil || h.Destroyed()) && scheduler.CurrentHub() == nil
}

// Len returns how many links wait to be called.
func (l *Links) Len() int { return len(l.links) + len(l.arrived) }

// Rawlink registers fn to be called on the hub with owner once owner is
// ready, and schedules the notification if it already is. fn runs once and
// must not block.
func (l *Links) Rawlink(owner scheduler.Linkable, fn func(scheduler.Linkable)) scheduler.LinkID {
	if _, err := l.Hub(); err != nil {
		return 0
	}
	return l.rawlink(owner, fn)
}

// rawlink is Rawlink after the hub check.
func (l *Links) rawlink(owner scheduler.Linkable, fn func(scheduler.Linkable)) scheduler.LinkID {
	l.nextID++
	l.links = append(l.links, link{id: l.nextID, fn: fn})
	l.CheckAndNotify(owner)
	return l.nextID
}

// linkWakeup registers the wakeup of a greenlet about to wait, as rawlink
// registers a function.
func (l *Links) linkWakeup(owner scheduler.Linkable, k *wakeup) scheduler.LinkID {
	l.nextID++
	l.links = append(l.links, link{id: l.nextID, k: k})
	l.CheckAndNotify(owner)
	return l.nextID
}

// Unlink removes a link that has not run; unknown ids are ignored. When no
// link is left the pending notification is cancelled.
func (l *Links) Unlink(id scheduler.LinkID) {
	l.links = remove(l.links, id)
	l.arrived = remove(l.arrived, id)
	if len(l.links) == 0 && len(l.arrived) == 0 && l.notifying && l.notifier.Pending() {
		l.notifier.Stop()
		l.notifying = false
	}
}

func remove(ls []link, id scheduler.LinkID) []link {
	for i := range ls {
		if ls[i].id == id {
			copy(ls[i:], ls[i+1:])
			ls[len(ls)-1] = link{}
			return ls[:len(ls)-1]
		}
	}
	return ls
}

// CheckAndNotify schedules one hub callback calling the links if owner is
// ready, links exist and no notification is pending. Hub-affine.
func (l *Links) CheckAndNotify(owner scheduler.Linkable) {
	if l.notifying || len(l.links) == 0 || !owner.Ready() {
		return
	}
	h := l.hub.Load()
	if h == nil {
		return
	}
	l.notifying = true
	// The callback is bound once per owner: a semaphore notifies on every
	// contended release, and a fresh closure each time was its only
	// allocation. Only a comparable owner is remembered, so that the
	// comparison below can never panic.
	fn := l.notifyFn
	if fn == nil || l.notifyOwner != owner {
		fn = func() { l.notify(owner) }
		if reflect.TypeOf(owner).Comparable() {
			l.notifyOwner, l.notifyFn = owner, fn
		}
	}
	l.notifier = h.RunCallback(fn)
}

// NotifyAny is CheckAndNotify callable from any goroutine: from a foreign
// goroutine it goes through Hub.Post. Without a bound hub there is no link
// to call, so it does nothing.
func (l *Links) NotifyAny(owner scheduler.Linkable) {
	h := l.hub.Load()
	if h == nil || h.Destroyed() {
		return
	}
	if h.OnHub() {
		l.CheckAndNotify(owner)
		return
	}
	_ = h.Post(func() { l.CheckAndNotify(owner) })
}

func (l *Links) notify(owner scheduler.Linkable) {
	if !l.notifying {
		l.CheckAndNotify(owner)
		return
	}
	h := l.hub.Load()
	l.run(owner, h, &l.links)
	if len(l.arrived) > 0 {
		l.run(owner, h, &l.arrived)
		left := l.arrived
		l.arrived = nil
		l.links = append(l.links, left...)
	}
	l.notifying = false
	l.CheckAndNotify(owner)
}

// run calls the links of *ls present when it starts, in order, removing
// each before calling it; links added meanwhile wait for the next round.
// *ls stays current throughout so that Unlink from inside a link works.
// A link that panics is reported to the hub's error handler and the round
// goes on with the next link.
func (l *Links) run(owner scheduler.Linkable, h *scheduler.Hub, ls *[]link) {
	if len(*ls) == 0 {
		return
	}
	final := (*ls)[len(*ls)-1].id
	for l.runUntil(owner, h, ls, final) {
	}
}

// runUntil is run's loop under one deferred recover instead of one per
// link (a frame and a defer between the hub and every woken greenlet). It
// returns true when a link panicked before the round reached final: the
// panic was reported and run calls it again for the rest.
func (l *Links) runUntil(owner scheduler.Linkable, h *scheduler.Hub, ls *[]link, final scheduler.LinkID) (again bool) {
	var cur scheduler.LinkID
	normal := false
	defer func() {
		if normal {
			return
		}
		r := recover()
		if r == nil {
			// runtime.Goexit in a link: nothing to recover, let it go on.
			return
		}
		err, ok := r.(error)
		if !ok {
			err = fmt.Errorf("panic in link: %v", r)
		}
		if h != nil {
			h.HandleError(err)
		}
		again = cur != final
	}()
	for len(*ls) > 0 {
		if l.OnlyWhileReady && !owner.Ready() {
			break
		}
		lk := (*ls)[0]
		(*ls)[0] = link{}
		*ls = (*ls)[1:]
		cur = lk.id
		if lk.k != nil {
			lk.k.fire()
		} else {
			lk.fn(owner)
		}
		if lk.id == final {
			break
		}
	}
	normal = true
	return false
}

// Wait is gevent's AbstractLinkable._wait: if owner is ready it returns at
// once (after the pending notification, if one is pending) with waited
// false; otherwise it blocks until owner notifies the caller, returning
// waited true and ok false when timeout (Forever: none) expired first.
// Other errors thrown into the greenlet (Kill, an outer Timeout, LoopExit)
// come back as err. label says what the greenlet waits on in reports.
func (l *Links) Wait(owner scheduler.Linkable, timeout time.Duration, label string) (waited, ok bool, err error) {
	if owner.Ready() && l.unboundHubless() {
		// Nothing to wait for and no notification can be pending without
		// a hub: answer without creating one.
		return false, true, nil
	}
	if _, err := l.hubFor(timeout); err != nil {
		return false, false, opErr(label, err)
	}
	if owner.Ready() {
		if l.notifying {
			k := &wakeup{}
			k.w.SetLabel(label)
			l.nextID++
			id := l.nextID
			l.arrived = append(l.arrived, link{id: id, k: k})
			_, err := k.w.Get()
			if !k.fired {
				l.Unlink(id)
			}
			if err != nil {
				return false, false, err
			}
		}
		return false, true, nil
	}
	ok, err = l.waitCore(owner, timeout, label, true)
	return true, ok, err
}

// WaitCore blocks until owner calls the caller's link or timeout expires
// (gevent's _wait_core). With catch, the expiry of its own timeout returns
// ok false; without, the *scheduler.Timeout comes back as err.
func (l *Links) WaitCore(owner scheduler.Linkable, timeout time.Duration, label string, catch bool) (ok bool, err error) {
	if _, err := l.hubFor(timeout); err != nil {
		return false, opErr(label, err)
	}
	return l.waitCore(owner, timeout, label, catch)
}

// waitCore is WaitCore after the hub check.
func (l *Links) waitCore(owner scheduler.Linkable, timeout time.Duration, label string, catch bool) (ok bool, err error) {
	var t *scheduler.Timeout
	if timeout >= 0 {
		t = scheduler.NewTimeout(timeout, nil)
		if err := t.Start(); err != nil {
			return false, err
		}
		defer t.Cancel()
	}
	k := &wakeup{}
	k.w.SetLabel(label)
	id := l.linkWakeup(owner, k)
	_, err = k.w.Get()
	if !k.fired {
		l.Unlink(id)
	}
	if err != nil {
		if catch && t != nil && errors.Is(err, t) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
