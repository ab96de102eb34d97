package cev

// #include "cev.h"
import "C"

import (
	"syscall"
)

//go:generate go run gen_methods.go

// Watcher is implemented by every watcher type (ev.pod, ANATOMY OF A
// WATCHER / GENERIC WATCHER FUNCTIONS). Each concrete type defines these
// methods itself (methods_gen.go) rather than promoting them from an
// embedded struct, because a promoted method dereferences a nil receiver
// before it runs: a nil *Timer has to reach the nil check.
//
// A method with an error result returns ErrInvalid on a nil or zero-value
// watcher (one not made by a Loop.New* function) and ErrClosed on a closed
// watcher or one whose loop was destroyed; the receiver is checked before
// the arguments. A getter returns its zero value in those cases, with the
// two exceptions the package doc lists.
type Watcher interface {
	// Start is ev_TYPE_start (ev.pod, ANATOMY OF A WATCHER / GENERIC
	// WATCHER FUNCTIONS).
	Start() error
	// Stop is ev_TYPE_stop (ev.pod, ANATOMY OF A WATCHER / GENERIC
	// WATCHER FUNCTIONS); it also drops an event queued for Go dispatch.
	Stop() error
	// IsActive is ev_is_active (ev.pod, ANATOMY OF A WATCHER / GENERIC
	// WATCHER FUNCTIONS).
	IsActive() bool
	// IsPending is ev_is_pending (ev.pod, ANATOMY OF A WATCHER / GENERIC
	// WATCHER FUNCTIONS), counting events queued for Go dispatch.
	IsPending() bool
	// Priority is ev_priority (ev.pod, ANATOMY OF A WATCHER / GENERIC
	// WATCHER FUNCTIONS).
	Priority() int
	// SetPriority is ev_set_priority (ev.pod, ANATOMY OF A WATCHER /
	// GENERIC WATCHER FUNCTIONS).
	SetPriority(pri int) error
	// ClearPending is ev_clear_pending (ev.pod, ANATOMY OF A WATCHER /
	// GENERIC WATCHER FUNCTIONS).
	ClearPending() int
	// Invoke is ev_invoke (ev.pod, ANATOMY OF A WATCHER / GENERIC WATCHER
	// FUNCTIONS), with revents checked as Loop.FeedEvent checks them.
	Invoke(revents int) error
	// Close frees the watcher's C memory; no libev counterpart (libev
	// leaves watcher memory to its user).
	Close() error
	// Loop returns the watcher's loop; no libev counterpart (a libev
	// watcher does not record its loop).
	Loop() *Loop
	// base returns the shared part, nil for a nil watcher.
	base() *watcher
}

// watcher is the part shared by every watcher type. Its methods are
// unexported and take the operation name: the concrete types wrap them
// (methods_gen.go) so that a nil receiver is caught.
type watcher struct {
	loop    *Loop
	c       *C.cev_hdr // C memory, fixed address; nil once closed
	slot    uint32
	kind    C.int
	pri     int
	pending int // index+1 on the loop's Go pending stack, 0 if none
	closed  bool
	fire    func(revents int)
}

// check is the receiver check of every watcher method with an error
// result; the fast path is three loads and no call.
func (w *watcher) check(op string) error {
	if w.ok() {
		return nil
	}
	return w.badReceiver(op)
}

// ok reports whether the watcher and its loop are usable.
func (w *watcher) ok() bool { return w != nil && w.c != nil && !w.loop.closed }

// live reports whether a getter may read the watcher's C memory. It stays
// true inside the cleanup callbacks of Destroy, where the memory is not
// freed yet.
func (w *watcher) live() bool { return w != nil && w.c != nil }

//go:noinline
func (w *watcher) badReceiver(op string) error {
	switch {
	case w == nil:
		return errf(op, ErrInvalid, "nil watcher")
	case w.closed:
		return errf(op, ErrClosed, "watcher closed")
	case w.loop == nil:
		return errf(op, ErrInvalid, "zero-value watcher (create it with a Loop.New* function)")
	default:
		return errf(op, ErrClosed, "loop destroyed")
	}
}

// newWatcher allocates the C watcher and its slot; the caller has checked
// the loop.
func (l *Loop) newWatcher(op string, kind C.int, cbNil bool) (*watcher, error) {
	if cbNil {
		return nil, errf(op, ErrNilCallback, "")
	}
	var slot uint32
	if n := len(l.free); n > 0 {
		slot = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		slot = uint32(len(l.slots))
		l.slots = append(l.slots, nil)
		l.slotGen = append(l.slotGen, 0)
	}
	c := C.cev_watcher_new(kind, C.uint32_t(slot))
	if c == nil {
		l.free = append(l.free, slot)
		return nil, errf(op, syscall.ENOMEM, "")
	}
	// A queued event of a closed watcher must not match its successor.
	c.gen = C.uint32_t(l.slotGen[slot])
	w := &watcher{loop: l, c: c, slot: slot, kind: kind}
	l.slots[slot] = w
	return w, nil
}

// ref is w.c as an integer, for the calls that skip cgo's pointer check
// (cev_start_r...): it points to C memory, which the GC never moves or frees.
func (w *watcher) ref() C.uintptr_t { return C.uintptr_t(uintptr(unsafePointer(w.c))) }

func (w *watcher) getLoop() *Loop {
	if w == nil {
		return nil
	}
	return w.loop
}

func (w *watcher) start(op string) error {
	if err := w.check(op); err != nil {
		return err
	}
	switch w.kind {
	case C.CEV_SIGNAL:
		return w.loop.signalStart(w)
	case C.CEV_TIMER:
		w.loop.queueStart(w)
		return nil
	}
	if rc := C.cev_start_r(w.loop.ref(), w.ref()); rc != 0 {
		errno := syscall.Errno(-rc)
		if errno == syscall.EBADF {
			return errf(op, ErrBadFD, "fd %d", int((*C.cev_io_view)(unsafePointer(w.c)).fd))
		}
		return errf(op, errno, "")
	}
	return nil
}

func (w *watcher) stop(op string) error {
	if err := w.check(op); err != nil {
		return err
	}
	w.clearGoPending()
	if w.kind == C.CEV_SIGNAL {
		w.loop.signalStop(w)
	}
	if w.c.queued != 0 && w.c.pending == 0 {
		w.loop.unqueueStart(w)
		return nil
	}
	if w.kind == C.CEV_TIMER && w.c.active == 0 && w.c.pending == 0 {
		// What cev_stop would do: ev_timer_stop of a timer neither active nor
		// pending changes nothing in libev. A fired one-shot timer, every
		// expired sleep, gets here.
		w.c.gen++
		return nil
	}
	C.cev_stop_r(w.loop.ref(), w.ref())
	return nil
}

// startQueueLen is how many timer starts wait for the loop's next C call.
const startQueueLen = C.CEV_STARTQ

// queueStart starts a timer without a cgo call: it goes on the loop's start
// queue, which the next C call on the loop applies before anything else
// (cev_flush in cev_glue.h), so libev sees the same clock and the same
// order of starts. Until then the timer counts as active, here and in
// ActiveCount. A timer is what every sleep and timeout starts, and its
// start cannot fail, unlike an io watcher's (EBADF).
func (l *Loop) queueStart(w *watcher) {
	c := w.c
	if c.active != 0 || c.queued != 0 {
		return
	}
	if l.c.startn == startQueueLen {
		C.cev_flush(l.c)
	}
	l.c.startq[l.c.startn] = c
	l.c.startn++
	c.queued = C.uint16_t(l.c.startn)
	l.c.activecnt++
}

// unqueueStart undoes queueStart as cev_stop would undo the start: the
// event generation moves on and the timer no longer counts as active. Its
// slot in the queue is emptied, so the other starts keep their order.
func (l *Loop) unqueueStart(w *watcher) {
	c := w.c
	l.c.startq[c.queued-1] = nil
	c.queued = 0
	c.gen++
	l.c.activecnt--
}

func (w *watcher) clearGoPending() int {
	if w.pending == 0 {
		return 0
	}
	s := w.loop.pend[w.pri-EV_MINPRI]
	e := &s[w.pending-1]
	revents := e.revents
	e.w = nil
	w.pending = 0
	return revents
}

func (w *watcher) isActive() bool {
	return w.live() && (!w.loop.closed || w.loop.destroying) && (w.c.active != 0 || w.c.queued != 0)
}

func (w *watcher) isPending() bool {
	return w.live() && !w.loop.closed && (w.pending != 0 || w.c.pending != 0)
}

func (w *watcher) priority() int {
	if !w.live() {
		return 0
	}
	return w.pri
}

func (w *watcher) setPriority(op string, pri int) error {
	if err := w.check(op); err != nil {
		return err
	}
	if pri < EV_MINPRI || pri > EV_MAXPRI {
		return errf(op, ErrInvalid, "priority %d outside [%d, %d]", pri, EV_MINPRI, EV_MAXPRI)
	}
	if w.isActive() || w.isPending() {
		return errf(op, ErrActive, "")
	}
	C.cev_set_priority(w.c, C.int(pri))
	w.pri = pri
	return nil
}

func (w *watcher) clearPending() int {
	if !w.live() || w.loop.closed {
		return 0
	}
	if w.pending != 0 {
		return w.clearGoPending()
	}
	if w.c.pending != 0 {
		return int(C.cev_clear_pending(w.loop.c, w.c))
	}
	return 0
}

func (w *watcher) invoke(op string, revents int) error {
	if err := w.check(op); err != nil {
		return err
	}
	if err := checkRevents(op, revents); err != nil {
		return err
	}
	w.fire(revents)
	return nil
}

func (w *watcher) close(op string) error {
	if err := w.stop(op); err != nil {
		return err
	}
	l := w.loop
	lock := w.kind == C.CEV_ASYNC
	if lock {
		// Async.Send may be reading w.c from another goroutine.
		l.sendMu.Lock()
	}
	l.slotGen[w.slot] = uint32(w.c.gen) + 1
	C.cev_watcher_free(w.c)
	w.c = nil
	w.closed = true
	if lock {
		l.sendMu.Unlock()
	}
	l.slots[w.slot] = nil
	l.free = append(l.free, w.slot)
	if w.kind == C.CEV_SIGNAL {
		delete(l.sig.owner, w) // the relay's index of the loop's Signals
	}
	return nil
}
