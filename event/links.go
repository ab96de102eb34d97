package event

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"

	"github.com/geventgo/geventgo/internal/hubhook"
	"github.com/geventgo/geventgo/scheduler"
)

// Links is gevent's AbstractLinkable: the list of callbacks (links) of an
// object that becomes ready, and the single pending hub callback that calls
// them. Event, AsyncResult and the lock package's semaphores embed one; a
// user type can too, passing itself as owner. The zero value is ready to
// use: Links binds to the hub of the first greenlet that links or waits
// (see scheduler.Binding).
//
// Hub and NotifyAny are goroutine-safe; the other methods are hub-affine:
// from elsewhere they change nothing (Rawlink returns 0, Wait an error
// matching ErrNotGreenlet).
type Links struct {
	bind scheduler.Binding
	// last is the hub the lists below belong to; a rebind after that hub
	// was destroyed starts them afresh.
	last *scheduler.Hub
	// links in registration order; called links are removed (one-shot).
	links []link
	// arrived holds greenlets that found the owner ready while a
	// notification was pending: they wake after the links (gevent's
	// arrived_while_waiting).
	arrived []link
	// later holds, while a round of an Event's links runs, the links it
	// does not call: those added after a Clear that followed the last Set
	// (see due). They go back in front of links at the round's end.
	later     []link
	nextID    scheduler.LinkID
	notifier  scheduler.Callback
	notifying bool
	// dueOnly marks a pending round of an Event's links that calls only
	// the due ones (see due): one a notification from another goroutine
	// started, or one started again for due links a round left, until a
	// Set on the hub. A round started on the hub, or pending when the hub
	// sets the event, calls every link present, as gevent's notifier.
	dueOnly bool
	// notifyFn is the notification callback for notifyOwner.
	notifyFn    func()
	notifyOwner scheduler.Linkable
	// OnlyWhileReady stops a notification round as soon as the owner is no
	// longer ready (gevent's _notify_all = False, used by semaphores so that
	// one release wakes one waiter).
	OnlyWhileReady bool
}

// link is one registered link: a Rawlink function, or (k non-nil, fn nil)
// a greenlet blocked in Wait, which run wakes directly, so that a wait
// allocates no method value and a wake-up costs no extra call frame (see
// docs/performance.md).
type link struct {
	id scheduler.LinkID
	// epoch is the owner's count of Clears when the link was added (an
	// Event's; 0 for other owners): a round of an Event's links calls only
	// the links the event has been set for since they were added (see due).
	epoch uint64
	fn    func(scheduler.Linkable)
	k     *wakeup
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

// Hub returns the live hub the links are bound to, nil before first use or
// once that hub was destroyed. scheduler.IWait uses it to refuse a wait from
// another hub. Goroutine-safe.
func (l *Links) Hub() *scheduler.Hub {
	if l == nil {
		return nil
	}
	return l.bind.Hub()
}

// Check binds the links to the caller's hub if needed and returns an error
// for op matching scheduler.ErrNotGreenlet when the caller may not use them:
// the affinity check of an owner's own non-blocking calls (a semaphore's
// Release).
func (l *Links) Check(op string) error {
	if l == nil {
		return opErr(op, scheduler.ErrNilArgument)
	}
	_, err := l.check(op, false)
	return err
}

// check binds the links to the caller's hub if needed and checks that the
// caller may use them (wait: block on them) for op.
func (l *Links) check(op string, wait bool) (*scheduler.Hub, error) {
	var h *scheduler.Hub
	var err error
	if wait {
		h, err = l.bind.CheckWait()
	} else {
		h, err = l.bind.Check()
	}
	if err != nil {
		return nil, opErr(op, err)
	}
	if l.last != h {
		// A destroyed hub's links can never run again: start afresh.
		l.last = h
		l.links, l.arrived, l.later, l.notifying = nil, nil, nil, false
	}
	return h, nil
}

// Len returns how many links wait to be called.
func (l *Links) Len() int {
	if l == nil {
		return 0
	}
	return len(l.links) + len(l.arrived) + len(l.later)
}

// Rawlink registers fn to be called on the hub with owner once owner is
// ready, and schedules the notification if it already is. fn runs once and
// must not block.
func (l *Links) Rawlink(owner scheduler.Linkable, fn func(scheduler.Linkable)) scheduler.LinkID {
	return l.rawlinkAt(owner, fn, 0)
}

// rawlinkAt is Rawlink for an owner whose count of Clears is epoch.
func (l *Links) rawlinkAt(owner scheduler.Linkable, fn func(scheduler.Linkable), epoch uint64) scheduler.LinkID {
	if l == nil || fn == nil || owner == nil {
		return 0
	}
	if _, err := l.check("Rawlink", false); err != nil {
		return 0
	}
	return l.rawlink(owner, fn, epoch)
}

// rawlink is rawlinkAt after the hub check.
func (l *Links) rawlink(owner scheduler.Linkable, fn func(scheduler.Linkable), epoch uint64) scheduler.LinkID {
	l.nextID++
	l.links = append(l.links, link{id: l.nextID, epoch: epoch, fn: fn})
	l.checkAndNotify(owner)
	return l.nextID
}

// linkWakeup registers the wakeup of a greenlet about to wait, as rawlink
// registers a function.
func (l *Links) linkWakeup(owner scheduler.Linkable, k *wakeup, epoch uint64) scheduler.LinkID {
	l.nextID++
	l.links = append(l.links, link{id: l.nextID, epoch: epoch, k: k})
	l.checkAndNotify(owner)
	return l.nextID
}

// Unlink removes a link that has not run; unknown ids are ignored. When no
// link is left the pending notification is cancelled.
func (l *Links) Unlink(id scheduler.LinkID) {
	if l == nil {
		return
	}
	// The binding first (an atomic read): from a foreign goroutine, reading
	// l.last raced with the hub's greenlet binding the links.
	if h := l.bind.Hub(); h == nil || h.Check() != nil || h != l.last {
		return
	}
	l.unlink(id)
}

// unlink is Unlink without the check, for the greenlet whose own wait
// ended before its link ran: it linked on hub l.last and runs there still,
// so the lists are its hub's, even while Destroy runs it (Unlink's check
// refuses that hub then), since no other hub takes the links over before
// that Destroy returns.
func (l *Links) unlink(id scheduler.LinkID) {
	l.links = remove(l.links, id)
	l.arrived = remove(l.arrived, id)
	l.later = remove(l.later, id)
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
// ready, links exist and no notification is pending. Hub-affine: from a
// goroutine that is not a greenlet of the links' hub it does nothing (use
// NotifyAny there).
func (l *Links) CheckAndNotify(owner scheduler.Linkable) {
	if l == nil || owner == nil {
		return
	}
	// The caller first, with atomic reads only: off the hub, what
	// checkAndNotify reads is the hub's.
	if h := l.bind.Hub(); h == nil || h.Check() != nil {
		return
	}
	l.checkAndNotify(owner)
}

// checkAndNotify is CheckAndNotify for a caller on the hub l.last (a
// greenlet that passed check, or the hub's notification callback), which
// may also be running its defers under Destroy: then it schedules nothing.
func (l *Links) checkAndNotify(owner scheduler.Linkable) {
	if l.notifying || len(l.links) == 0 || !owner.Ready() {
		return
	}
	l.startNotify(owner)
}

// startNotify schedules the notification round of owner's links, which
// checkAndNotify or notifyPosted found due; on the hub l.last, as they are.
func (l *Links) startNotify(owner scheduler.Linkable) {
	h := l.last
	if h == nil || h.Destroyed() { // the caller is on h: only a Destroy under way is left to see
		return
	}
	l.notifying = true
	l.dueOnly = false
	// The callback is bound once per owner, so that a contended semaphore's
	// release allocates nothing. Only a pointer owner is remembered, so
	// that the comparison below can never panic: a comparable type is not
	// enough, since a struct's interface field may hold a slice.
	fn := l.notifyFn
	if fn == nil || l.notifyOwner != owner {
		fn = func() { l.notify(owner) }
		if reflect.TypeOf(owner).Kind() == reflect.Pointer {
			l.notifyOwner, l.notifyFn = owner, fn
		}
	}
	l.notifier, _ = h.RunCallback(fn) // the caller is on h (see above): cannot be refused
}

// NotifyAny is CheckAndNotify callable from any goroutine: from a foreign
// goroutine it asks owner.Ready there and then, as gevent's set() from
// another thread does, and if owner is ready hands the notification to the
// hub with Hub.Post; that notification runs even if owner is no longer
// ready by then (an owner made ready and unready at once still wakes its
// waiters, as on the hub). Without a bound hub there is no link to call, so
// it does nothing.
func (l *Links) NotifyAny(owner scheduler.Linkable) {
	if l == nil || owner == nil {
		return
	}
	h := l.bind.Hub()
	if h == nil {
		return
	}
	if h.OnHub() {
		l.checkAndNotify(owner)
		return
	}
	if !owner.Ready() {
		return
	}
	_ = h.Post(func() { l.notifyPosted(owner) })
}

// notifySet is NotifyAny for an Event's Set, which made owner ready: it
// does not ask owner.Ready, which a Clear from another goroutine may have
// answered no to already, while the links present waited when the flag was
// set. On the hub no link can have come since, so a round is due if any is
// there, and a pending round calls every link, as the one this Set would
// have started (see dueOnly); from another goroutine the posted
// notification looks for a link the event was set for (see due), which
// those links are.
func (l *Links) notifySet(owner *Event) {
	h := l.bind.Hub()
	if h == nil {
		return
	}
	if h.OnHub() {
		if l.notifying {
			l.dueOnly = false
		} else if len(l.links) > 0 {
			l.startNotify(owner)
		}
		return
	}
	_ = h.Post(func() { l.notifyPosted(owner) })
}

// notifyPosted is a foreign NotifyAny's or notifySet's notification, on the
// hub: owner was ready when it was posted, so the round is scheduled whatever
// owner says now, if links exist and no round is pending (that one calls
// them); but for an Event, only if one of its links is due (see due): a
// link added after a Clear that followed the Set did not wait when it was
// set.
func (l *Links) notifyPosted(owner scheduler.Linkable) {
	if h := l.bind.Hub(); h == nil || h.Check() != nil || h != l.last {
		return
	}
	if l.notifying || len(l.links) == 0 {
		return
	}
	if e := l.event(owner); e != nil && !l.anyDue(e) {
		return
	}
	l.startNotify(owner)
	l.dueOnly = l.notifying
}

// event returns owner as the Event these links belong to, nil for any other
// owner (one that counts no Clears: all its links are due).
func (l *Links) event(owner scheduler.Linkable) *Event {
	if e, ok := owner.(*Event); ok && &e.links == l {
		return e
	}
	return nil
}

// anyDue reports whether a link of e is due (see due).
func (l *Links) anyDue(e *Event) bool {
	s := e.state.Load()
	for i := range l.links {
		if due(l.links[i].epoch, s) {
			return true
		}
	}
	return false
}

// holdBack moves the links of e that are not due into l.later, for a round
// that starts with the flag clear; the others keep their order.
func (l *Links) holdBack(e *Event) {
	s := e.state.Load()
	keep := l.links[:0]
	for _, lk := range l.links {
		if due(lk.epoch, s) {
			keep = append(keep, lk)
		} else {
			l.later = append(l.later, lk)
		}
	}
	clear(l.links[len(keep):])
	l.links = keep
}

func (l *Links) notify(owner scheduler.Linkable) {
	if !l.notifying {
		l.checkAndNotify(owner)
		return
	}
	h := l.last
	// A round another goroutine's notification started, for an Event
	// cleared since it was set, calls only the links it was set for; the
	// others wait for the next Set. While it is set, all are due.
	e := l.event(owner)
	full := e == nil || !l.dueOnly || e.IsSet()
	if !full {
		l.holdBack(e)
	}
	l.dueOnly = false
	limit := l.nextID
	ended := false
	var esc *scheduler.PanicError
	defer func() {
		if !ended {
			l.cut(owner, e, limit, full)
			l.goexited(h, esc)
		}
	}()
	l.run(owner, h, &l.links, &esc)
	if len(l.arrived) > 0 {
		l.run(owner, h, &l.arrived, &esc)
		left := l.arrived
		l.arrived = nil
		l.links = append(l.links, left...)
	}
	ended = true
	l.end(owner, e)
}

// cut ends a round of owner's links that a link left by runtime.Goexit,
// which the hub reports before it goes on (e is owner as an Event, or nil;
// limit the last id the round was to call, full whether it was to call
// every link present, not only the due ones): the links it had not called
// yet wait for the next round, which end schedules. A full round's are
// owed that call even if the event was cleared on the hub before the round
// and they were added after that Clear: an epoch of 0 keeps them due
// whatever the flag, as they were for the round. The arrivals not woken
// follow them: had the link returned, the round would have woken them
// after those and before the links added during it (but an OnlyWhileReady
// owner no longer ready would have stopped at once, its arrivals left
// last). The links it held back take their places among those again, in
// the order all were added, and the links added during the round follow.
func (l *Links) cut(owner scheduler.Linkable, e *Event, limit scheduler.LinkID, full bool) {
	n := 0 // the links the round had not called: those up to limit
	for ; n < len(l.links) && l.links[n].id <= limit; n++ {
		if e != nil && full {
			l.links[n].epoch = 0
		}
	}
	owed := l.links[:n]
	if len(l.arrived) > 0 && (!l.OnlyWhileReady || owner.Ready()) {
		owed = append(owed[:n:n], l.arrived...) // a copy: l.links[n:] stays
		l.arrived = nil
	}
	if len(l.later) > 0 {
		owed = mergeByID(l.later, owed)
		l.later = nil
	}
	if len(owed) != n {
		l.links = append(owed, l.links[n:]...)
	}
	l.links = append(l.links, l.arrived...)
	l.arrived = nil
	l.end(owner, e)
}

// goexited reports, once a round was cut, the panic esc that the last link
// called raised while it unwound from runtime.Goexit (nil: a bare Goexit,
// or a round left otherwise). The hub reports a bare Goexit as it leaves the
// callback; hubhook.PanicUnderGoexit tells it this one was reported.
func (l *Links) goexited(h *scheduler.Hub, esc *scheduler.PanicError) {
	if esc != nil && esc.Value != nil && h != nil {
		hubhook.PanicUnderGoexit(h, &linkPanic{esc})
	}
}

// mergeByID returns a new list of the links of a and b (each in the order
// of its ids) in the order of their ids.
func mergeByID(a, b []link) []link {
	m := make([]link, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].id < b[0].id {
			m, a = append(m, a[0]), a[1:]
		} else {
			m, b = append(m, b[0]), b[1:]
		}
	}
	m = append(m, a...)
	return append(m, b...)
}

// end ends a round of owner's links (e is owner as an Event, or nil): the
// links it held back go back in front, and the next round is scheduled if
// one is due.
func (l *Links) end(owner scheduler.Linkable, e *Event) {
	if len(l.later) > 0 {
		l.links = append(l.later, l.links...)
		l.later = nil
	}
	l.notifying = false
	if e != nil && !e.IsSet() {
		// A greenlet that arrived while the flag was set, after the arrived
		// pass had started, waits for a round whatever the flag says now:
		// its outcome is decided and its context no longer ends its wait.
		if len(l.links) > 0 && l.anyDue(e) {
			l.startNotify(owner)
			l.dueOnly = l.notifying
		}
		return
	}
	l.checkAndNotify(owner)
}

// run calls the links of *ls present when it starts, in order, removing
// each before calling it; links added meanwhile wait for the next round.
// *ls stays current throughout so that Unlink from inside a link works.
// A link that panics is reported to the hub's error handler and the round
// goes on with the next link; one that calls runtime.Goexit ends the round
// (see notify). *esc carries the escape of a link from runUntil's recover
// to here, or to notify's end of a round that a Goexit cuts (see runUntil).
//
// The round ends at the first link whose id is above the last id given out when
// it started: during a round links are only appended, with ids above that one,
// so those are the links added during the round. (Stopping at the round's last
// link instead never stopped once a link had unlinked that one: a link that
// linked itself again then kept the hub in this callback for ever.)
func (l *Links) run(owner scheduler.Linkable, h *scheduler.Hub, ls *[]link, esc **scheduler.PanicError) {
	limit := l.nextID
	for l.runUntil(owner, h, ls, limit, esc) {
		// Control came back: the link's panic was a plain one (under
		// GODEBUG=panicnil=1 a panic(nil) too, which recover stops but
		// returns nil for), reported here; the round goes on. *esc is
		// cleared first: what escapes the handler ends the round, whose
		// end must not take this panic for one raised under a Goexit.
		p := *esc
		*esc = nil
		if h != nil {
			hubhook.Report(h, &linkPanic{p})
		}
	}
}

// runUntil is run's loop under one deferred recover instead of one per
// link (a frame and a defer between the hub and every woken greenlet). It
// returns true when a link panicked, with the panic in *esc, and run
// reports it and calls runUntil again for the rest of the round. Its
// recover cannot tell a plain panic from one a deferred call of the link
// raised while the link unwound from runtime.Goexit, which the runtime
// resumes once the recovering call returns, nor a bare Goexit (recover
// returns nil) from a panic(nil) under GODEBUG=panicnil=1 (which it stops):
// so the escape waits in *esc for whichever of run and notify's end of the
// round gets control next.
func (l *Links) runUntil(owner scheduler.Linkable, h *scheduler.Hub, ls *[]link, limit scheduler.LinkID, esc **scheduler.PanicError) (again bool) {
	normal := false
	defer func() {
		if normal {
			return
		}
		*esc = &scheduler.PanicError{Value: recover(), Stack: debug.Stack()}
		again = true
	}()
	for len(*ls) > 0 && (*ls)[0].id <= limit {
		if l.OnlyWhileReady && !owner.Ready() {
			break
		}
		lk := (*ls)[0]
		(*ls)[0] = link{}
		*ls = (*ls)[1:]
		if lk.k != nil {
			lk.k.fire()
		} else {
			lk.fn(owner)
		}
	}
	normal = true
	return false
}

// Wait is gevent's AbstractLinkable._wait: if owner is ready it returns nil at
// once, or, while a notification round is pending, once that round has woken it
// after the greenlets that blocked, whatever ctx (gevent ignores the timeout
// there too; with OnlyWhileReady, whose round may stop before the caller's
// turn, ctx bounds that wait); otherwise it blocks until owner notifies the
// caller (nil) or ctx is done (an *Error naming label that wraps
// scheduler.ContextError's error). Errors thrown into the greenlet meanwhile
// (Kill, a Timeout, LoopExit) come back as they are. label says what the
// greenlet waits on in reports and names the call in errors.
func (l *Links) Wait(ctx context.Context, owner scheduler.Linkable, label string) error {
	return l.wait(ctx, owner, label, 0)
}

// wait is Wait for an owner whose count of Clears is epoch.
func (l *Links) wait(ctx context.Context, owner scheduler.Linkable, label string, epoch uint64) error {
	if l == nil || ctx == nil || owner == nil {
		return opErr(label, scheduler.ErrNilArgument)
	}
	if _, err := l.check(label, true); err != nil {
		return err
	}
	if !owner.Ready() {
		return l.waitCore(ctx, owner, label, epoch)
	}
	if !l.notifying {
		return nil
	}
	k := &wakeup{}
	k.w.SetLabel(label)
	l.nextID++
	id := l.nextID
	l.arrived = append(l.arrived, link{id: id, epoch: epoch, k: k})
	if !l.OnlyWhileReady {
		// The outcome is decided (owner was ready): the caller only waits
		// for its turn in the round pending on the hub, which always comes,
		// so ctx does not end that wait (gevent ignores the timeout there
		// too). A round of an OnlyWhileReady owner may stop before the
		// caller's turn, which then waits as a link: ctx bounds it.
		ctx = context.Background()
	}
	_, err := k.w.Get(ctx)
	if !k.fired {
		l.unlink(id)
	}
	if err != nil {
		return ctxErr(label, ctx, err)
	}
	return nil
}

// WaitCore blocks until owner calls the caller's link or ctx is done
// (gevent's _wait_core), whether or not owner is ready now.
func (l *Links) WaitCore(ctx context.Context, owner scheduler.Linkable, label string) error {
	if l == nil || ctx == nil || owner == nil {
		return opErr(label, scheduler.ErrNilArgument)
	}
	if _, err := l.check(label, true); err != nil {
		return err
	}
	return l.waitCore(ctx, owner, label, 0)
}

// waitCore is WaitCore after the checks, for an owner whose count of Clears
// is epoch.
func (l *Links) waitCore(ctx context.Context, owner scheduler.Linkable, label string, epoch uint64) error {
	k := &wakeup{}
	k.w.SetLabel(label)
	id := l.linkWakeup(owner, k, epoch)
	_, err := k.w.Get(ctx)
	if !k.fired {
		l.unlink(id)
	}
	if err != nil {
		return ctxErr(label, ctx, err)
	}
	return nil
}

// linkPanic is the report of a link that panicked: its text names the panic
// and carries the panicking stack, and errors.As finds the
// *scheduler.PanicError (errors.Is the panic value, when it is an error).
type linkPanic struct{ p *scheduler.PanicError }

func (e *linkPanic) Error() string {
	return fmt.Sprintf("event: panic in link: %v\n%s", e.p.Value, e.p.Stack)
}

func (e *linkPanic) Unwrap() error { return e.p }
