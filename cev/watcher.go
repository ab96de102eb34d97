package cev

// #include "cev.h"
import "C"

import (
	"syscall"
)

// Watcher is implemented by every watcher type (ev.pod, GENERIC WATCHER
// FUNCTIONS).
type Watcher interface {
	Start() error
	Stop() error
	IsActive() bool
	IsPending() bool
	Priority() int
	SetPriority(pri int) error
	ClearPending() int
	Invoke(revents int) error
	Close() error
	Loop() *Loop
	base() *watcher
}

// watcher is the part shared by every watcher type; its exported methods
// are promoted to the concrete types.
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

func (w *watcher) base() *watcher { return w }

func (w *watcher) check(op string) error {
	if w == nil || w.closed || w.loop.closed {
		return errf(op, ErrClosed, "")
	}
	return nil
}

// newWatcher allocates the C watcher and its slot.
func (l *Loop) newWatcher(op string, kind C.int, cbNil bool) (*watcher, error) {
	if err := l.check(op); err != nil {
		return nil, err
	}
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

// Loop returns the loop the watcher belongs to.
func (w *watcher) Loop() *Loop { return w.loop }

// Start starts the watcher (ev.pod, ev_TYPE_start); starting an active
// watcher does nothing, as in libev.
func (w *watcher) Start() error {
	if err := w.check("Start"); err != nil {
		return err
	}
	if w.kind == C.CEV_SIGNAL {
		return w.loop.signalStart(w)
	}
	if rc := C.cev_start(w.loop.c, w.c); rc != 0 {
		errno := syscall.Errno(-rc)
		if errno == syscall.EBADF {
			return errf("Start", ErrBadFD, "fd %d", int((*C.cev_io_view)(unsafePointer(w.c)).fd))
		}
		return errf("Start", errno, "")
	}
	return nil
}

// Stop stops the watcher and clears its pending state (ev.pod,
// ev_TYPE_stop); a queued event of it is not dispatched any more.
func (w *watcher) Stop() error {
	if err := w.check("Stop"); err != nil {
		return err
	}
	w.clearGoPending()
	if w.kind == C.CEV_SIGNAL {
		w.loop.signalStop(w)
	}
	C.cev_stop(w.loop.c, w.c)
	return nil
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

// IsActive reports whether the watcher is started (ev.pod, ev_is_active).
// It is false once the watcher is closed or its loop destroyed, except
// inside the cleanup callbacks Loop.Destroy runs, where watchers are still
// active as in libev.
func (w *watcher) IsActive() bool {
	return w != nil && !w.closed && (!w.loop.closed || w.loop.destroying) && w.c.active != 0
}

// IsPending reports whether the watcher has an event not yet dispatched
// (ev.pod, ev_is_pending).
func (w *watcher) IsPending() bool {
	return w != nil && !w.closed && !w.loop.closed && (w.pending != 0 || w.c.pending != 0)
}

// Priority returns the watcher's priority (ev.pod, ev_priority).
func (w *watcher) Priority() int { return w.pri }

// SetPriority sets the priority, EV_MINPRI..EV_MAXPRI (ev.pod,
// ev_set_priority). libev forbids it on an active or pending watcher:
// that returns ErrActive.
func (w *watcher) SetPriority(pri int) error {
	if err := w.check("SetPriority"); err != nil {
		return err
	}
	if pri < EV_MINPRI || pri > EV_MAXPRI {
		return errf("SetPriority", ErrInvalid, "priority %d outside [%d, %d]", pri, EV_MINPRI, EV_MAXPRI)
	}
	if w.IsActive() || w.IsPending() {
		return errf("SetPriority", ErrActive, "")
	}
	C.cev_set_priority(w.c, C.int(pri))
	w.pri = pri
	return nil
}

// ClearPending clears a pending event and returns its revents, 0 if none
// (ev.pod, ev_clear_pending).
func (w *watcher) ClearPending() int {
	if w.check("ClearPending") != nil {
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

// Invoke calls the callback now with revents (ev.pod, ev_invoke).
func (w *watcher) Invoke(revents int) error {
	if err := w.check("Invoke"); err != nil {
		return err
	}
	w.fire(revents)
	return nil
}

// Close stops the watcher and frees its C memory; the watcher cannot be
// used afterwards (ErrClosed). libev leaves watcher memory to its user;
// here Close (or Loop.Destroy) is that release.
func (w *watcher) Close() error {
	if err := w.check("Close"); err != nil {
		return err
	}
	if err := w.Stop(); err != nil {
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
	return nil
}
