package cev

// #include "cev.h"
import "C"

import (
	"math"
)

// IO watches a file descriptor for readability and/or writability (ev.pod,
// WATCHER TYPES / ev_io - is this file descriptor readable or writable?).
//
// Closing an fd under an active watcher (ev.pod, "The special problem of
// disappearing file descriptors") never aborts the process, on either
// build (libev 4.33 asserts where it would otherwise run its fd_kill).
// cev does what fd_kill does: every active watcher of the dead fd is
// stopped and its callback runs once with EV_ERROR|EV_READ|EV_WRITE, as a
// pending event at the start of the next Run. When that happens depends
// on the backend, as in libev:
//   - epoll and io_uring: when the fd's watcher set changed since the last
//     Run (a Start, a Stop of another watcher on the fd) or after Fork,
//     cev checks the fd (fcntl F_GETFD) before ev_run. A closed fd under
//     watchers nobody touches is silently dropped by epoll: they stay
//     active and never fire. Stop them before closing (socket.Close does).
//   - poll: at the next Run (cev polls the watched fds for POLLNVAL first).
//   - select: at the next Run (libev's own EBADF handling).
//
// The check costs no syscall when a watcher is stopped and started again
// with the same events between two Runs (the Hub.Wait pattern); a changed
// mask costs one fcntl, next to the epoll_ctl libev makes anyway. A closed
// fd number that is reused before the next Run cannot be told apart from
// the original: the watcher then watches the new file, as in libev. Start
// on a closed fd returns ErrBadFD.
type IO struct {
	watcher
}

func checkIOArgs(op string, fd, events int) error {
	if fd < 0 {
		return errf(op, ErrBadFD, "fd %d", fd)
	}
	if events == 0 || events&^(EV_READ|EV_WRITE) != 0 {
		return errf(op, ErrInvalid, "events %#x (EV_READ|EV_WRITE only)", events)
	}
	return nil
}

// NewIO creates an inactive io watcher (ev_io_init; ev.pod, WATCHER TYPES /
// ev_io - is this file descriptor readable or writable? / Watcher-Specific
// Functions). Whether fd is open is checked by Start (ErrBadFD), when
// libev would first use it.
func (l *Loop) NewIO(fd, events int, cb func(w *IO, revents int)) (*IO, error) {
	if err := l.check("NewIO"); err != nil {
		return nil, err
	}
	if err := checkIOArgs("NewIO", fd, events); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewIO", C.CEV_IO, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &IO{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	C.cev_io_set(w.c, C.int(fd), C.int(events))
	return w, nil
}

// adopt points the slot at the watcher embedded in its typed wrapper.
func (l *Loop) adopt(w *watcher, fire func(int)) {
	w.fire = fire
	l.slots[w.slot] = w
}

// Set changes fd and events of an inactive watcher (ev_io_set; ev.pod,
// WATCHER TYPES / ev_io - is this file descriptor readable or writable? /
// Watcher-Specific Functions). libev forbids it on an active watcher:
// that returns ErrActive.
func (w *IO) Set(fd, events int) error {
	b := w.base()
	if err := b.check("IO.Set"); err != nil {
		return err
	}
	if err := checkIOArgs("IO.Set", fd, events); err != nil {
		return err
	}
	if b.isActive() {
		return errf("IO.Set", ErrActive, "")
	}
	C.cev_io_set(w.c, C.int(fd), C.int(events))
	return nil
}

// FD returns the watched file descriptor (the fd member; ev.pod, WATCHER
// TYPES / ev_io - is this file descriptor readable or writable? /
// Watcher-Specific Functions), -1 for a nil or closed watcher: 0 would be
// a valid fd.
func (w *IO) FD() int {
	if !w.base().live() {
		return -1
	}
	return int((*C.cev_io_view)(unsafePointer(w.c)).fd)
}

// Events returns EV_READ and/or EV_WRITE (the events member, without
// libev's internal EV__IOFDSET bit; ev.pod, WATCHER TYPES / ev_io - is
// this file descriptor readable or writable? / Watcher-Specific
// Functions), 0 for a nil or closed watcher.
func (w *IO) Events() int {
	if !w.base().live() {
		return 0
	}
	return int((*C.cev_io_view)(unsafePointer(w.c)).events) & (EV_READ | EV_WRITE)
}

// Timer is a relative timer (ev.pod, WATCHER TYPES / ev_timer - relative
// and optionally repeating timeouts).
type Timer struct {
	watcher
}

// NewTimer creates an inactive timer firing after `after` seconds, then
// every `repeat` seconds if repeat > 0 (ev_timer_init; ev.pod, WATCHER
// TYPES / ev_timer - relative and optionally repeating timeouts /
// Watcher-Specific Functions and Data Members). Both must be finite and
// >= 0.
func (l *Loop) NewTimer(after, repeat float64, cb func(w *Timer, revents int)) (*Timer, error) {
	if err := l.check("NewTimer"); err != nil {
		return nil, err
	}
	if err := checkTimes("NewTimer", after, repeat); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewTimer", C.CEV_TIMER, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Timer{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	v := w.view()
	v.at, v.repeat = C.double(after), C.double(repeat)
	return w, nil
}

func checkTimes(op string, after, repeat float64) error {
	if err := checkTime(op, "after", after); err != nil {
		return err
	}
	return checkTime(op, "repeat", repeat)
}

func (w *Timer) view() *C.cev_timer_view { return (*C.cev_timer_view)(unsafePointer(w.c)) }

// Set changes after and repeat of an inactive timer without a cgo call
// (ev_timer_set; ev.pod, WATCHER TYPES / ev_timer - relative and
// optionally repeating timeouts / Watcher-Specific Functions and Data
// Members), so that a timer can be reused for every sleep instead of being
// created and closed each time. An active timer returns ErrActive.
func (w *Timer) Set(after, repeat float64) error {
	if err := w.base().check("Timer.Set"); err != nil {
		return err
	}
	if err := checkTimes("Timer.Set", after, repeat); err != nil {
		return err
	}
	if w.isActive() { // started, or its start queued
		return errf("Timer.Set", ErrActive, "")
	}
	v := w.view()
	v.at, v.repeat = C.double(after), C.double(repeat)
	return nil
}

// Again restarts a repeating timer from now, or stops it when repeat is 0
// (ev_timer_again; ev.pod, WATCHER TYPES / ev_timer - relative and
// optionally repeating timeouts / Watcher-Specific Functions and Data
// Members). Like libev it first clears a pending event of the timer, so a
// timer that fired in this iteration and is re-armed by an earlier
// callback does not also run now.
func (w *Timer) Again() error {
	if err := w.base().check("Timer.Again"); err != nil {
		return err
	}
	w.clearGoPending()
	C.cev_timer_again(w.loop.c, w.c)
	return nil
}

// Remaining returns the seconds until the timer fires (ev_timer_remaining;
// ev.pod, WATCHER TYPES / ev_timer - relative and optionally repeating
// timeouts / Watcher-Specific Functions and Data Members), 0 for a nil or
// closed timer or a destroyed loop.
func (w *Timer) Remaining() float64 {
	if !w.base().ok() {
		return 0
	}
	return float64(C.cev_timer_remaining(w.loop.c, w.c))
}

// Repeat returns the repeat interval (the repeat member; ev.pod, WATCHER
// TYPES / ev_timer - relative and optionally repeating timeouts /
// Watcher-Specific Functions and Data Members), 0 for a nil or closed
// timer.
func (w *Timer) Repeat() float64 {
	if !w.base().live() {
		return 0
	}
	return float64(w.view().repeat)
}

// SetRepeat changes the repeat interval, which libev lets its user assign
// at any time (the repeat member [read-write]; ev.pod, WATCHER TYPES /
// ev_timer - relative and optionally repeating timeouts / Watcher-Specific
// Functions and Data Members): it takes effect at the next expiry or Again.
func (w *Timer) SetRepeat(repeat float64) error {
	if err := w.base().check("Timer.SetRepeat"); err != nil {
		return err
	}
	if err := checkTime("Timer.SetRepeat", "repeat", repeat); err != nil {
		return err
	}
	w.view().repeat = C.double(repeat)
	return nil
}

// Periodic is an absolute timer (ev.pod, WATCHER TYPES / ev_periodic - to
// cron or not to cron?). The reschedule callback is not supported: only
// the absolute (interval 0) and interval modes.
type Periodic struct {
	watcher
}

// maxPeriodicOffset bounds a repeating periodic's offset, some 500 times
// the current Unix time: ev.pod (ev_periodic, repeating interval timer) says
// the offset should have at most a similar magnitude as the current time.
// Far beyond it, libev's periodic_recalc steps interval by interval through
// the rounding error of offset + N*interval, for hours or for good.
const maxPeriodicOffset = 1e12

func checkPeriodic(op string, offset, interval float64) error {
	if math.IsNaN(offset) || math.IsInf(offset, 0) {
		return errf(op, ErrInvalid, "offset %v", offset)
	}
	if err := checkTime(op, "interval", interval); err != nil {
		return err
	}
	if interval > 0 && math.Abs(offset) > maxPeriodicOffset {
		return errf(op, ErrInvalid, "offset %v beyond +-%g with interval %v", offset, maxPeriodicOffset, interval)
	}
	return nil
}

// NewPeriodic creates an inactive periodic watcher (ev_periodic_init with
// no reschedule callback; ev.pod, WATCHER TYPES / ev_periodic - to cron or
// not to cron? / Watcher-Specific Functions and Data Members): with
// interval 0 it fires once at the absolute time offset, otherwise at
// offset + N*interval, for an offset within +-1e12 (ErrInvalid beyond).
func (l *Loop) NewPeriodic(offset, interval float64, cb func(w *Periodic, revents int)) (*Periodic, error) {
	if err := l.check("NewPeriodic"); err != nil {
		return nil, err
	}
	if err := checkPeriodic("NewPeriodic", offset, interval); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewPeriodic", C.CEV_PERIODIC, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Periodic{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	C.cev_periodic_set(w.c, C.double(offset), C.double(interval))
	return w, nil
}

// Set changes offset and interval of an inactive watcher (ev_periodic_set;
// ev.pod, WATCHER TYPES / ev_periodic - to cron or not to cron? /
// Watcher-Specific Functions and Data Members). An active watcher returns
// ErrActive.
func (w *Periodic) Set(offset, interval float64) error {
	if err := w.base().check("Periodic.Set"); err != nil {
		return err
	}
	if err := checkPeriodic("Periodic.Set", offset, interval); err != nil {
		return err
	}
	if w.c.active != 0 {
		return errf("Periodic.Set", ErrActive, "")
	}
	C.cev_periodic_set(w.c, C.double(offset), C.double(interval))
	return nil
}

// Again recomputes the next time and restarts (ev_periodic_again, which is
// stop + start; ev.pod, WATCHER TYPES / ev_periodic - to cron or not to
// cron? / Watcher-Specific Functions and Data Members): a pending event of
// the watcher is cleared, as Stop does.
func (w *Periodic) Again() error {
	if err := w.base().check("Periodic.Again"); err != nil {
		return err
	}
	w.clearGoPending()
	C.cev_periodic_again(w.loop.c, w.c)
	return nil
}

// At returns the absolute time of the next event (ev_periodic_at; ev.pod,
// WATCHER TYPES / ev_periodic - to cron or not to cron? / Watcher-Specific
// Functions and Data Members), 0 for a nil or closed watcher.
func (w *Periodic) At() float64 {
	if !w.base().live() {
		return 0
	}
	return float64(C.cev_periodic_at(w.c))
}

// Offset returns the offset member (ev.pod, WATCHER TYPES / ev_periodic -
// to cron or not to cron? / Watcher-Specific Functions and Data Members),
// 0 for a nil or closed watcher. libev lets its user assign it; cev
// changes it only through Set.
func (w *Periodic) Offset() float64 {
	var o, i C.double
	if w.base().live() {
		C.cev_periodic_get(w.c, &o, &i)
	}
	return float64(o)
}

// Interval returns the interval member (ev.pod, WATCHER TYPES /
// ev_periodic - to cron or not to cron? / Watcher-Specific Functions and
// Data Members), 0 for a nil or closed watcher; see Offset.
func (w *Periodic) Interval() float64 {
	var o, i C.double
	if w.base().live() {
		C.cev_periodic_get(w.c, &o, &i)
	}
	return float64(i)
}

// Idle runs when no other event of equal or higher priority is pending
// (ev.pod, WATCHER TYPES / ev_idle - when you've got nothing better to
// do...).
type Idle struct{ watcher }

// NewIdle creates an inactive idle watcher (ev_idle_init; ev.pod, WATCHER
// TYPES / ev_idle - when you've got nothing better to do... /
// Watcher-Specific Functions and Data Members).
func (l *Loop) NewIdle(cb func(w *Idle, revents int)) (*Idle, error) {
	if err := l.check("NewIdle"); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewIdle", C.CEV_IDLE, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Idle{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	return w, nil
}

// Prepare runs before each poll (ev.pod, WATCHER TYPES / ev_prepare and
// ev_check - customise your event loop!). Its callback runs before the loop
// blocks and may start watchers that affect the same poll.
type Prepare struct{ watcher }

// NewPrepare creates an inactive prepare watcher (ev_prepare_init; ev.pod,
// WATCHER TYPES / ev_prepare and ev_check - customise your event loop! /
// Watcher-Specific Functions and Data Members).
func (l *Loop) NewPrepare(cb func(w *Prepare, revents int)) (*Prepare, error) {
	if err := l.check("NewPrepare"); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewPrepare", C.CEV_PREPARE, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Prepare{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	return w, nil
}

// Check runs after each poll (ev.pod, WATCHER TYPES / ev_prepare and
// ev_check - customise your event loop!).
type Check struct{ watcher }

// NewCheck creates an inactive check watcher (ev_check_init; ev.pod,
// WATCHER TYPES / ev_prepare and ev_check - customise your event loop! /
// Watcher-Specific Functions and Data Members).
func (l *Loop) NewCheck(cb func(w *Check, revents int)) (*Check, error) {
	if err := l.check("NewCheck"); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewCheck", C.CEV_CHECK, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Check{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	return w, nil
}

// Fork runs after Loop.Fork (or a detected fork with EVFLAG_FORKCHECK),
// before the next poll (ev.pod, WATCHER TYPES / ev_fork - the audacity to
// resume the event loop after a fork).
type Fork struct{ watcher }

// NewFork creates an inactive fork watcher (ev_fork_init; ev.pod, WATCHER
// TYPES / ev_fork - the audacity to resume the event loop after a fork /
// Watcher-Specific Functions and Data Members).
func (l *Loop) NewFork(cb func(w *Fork, revents int)) (*Fork, error) {
	if err := l.check("NewFork"); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewFork", C.CEV_FORK, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Fork{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	return w, nil
}

// Cleanup runs when the loop is destroyed (ev.pod, WATCHER TYPES /
// ev_cleanup - even the best things end). The loop is already closed when
// it runs (calls return ErrClosed), but the watcher, like every watcher of
// the loop, still reports IsActive as it did before Destroy, as in libev.
type Cleanup struct{ watcher }

// NewCleanup creates an inactive cleanup watcher (ev_cleanup_init; ev.pod,
// WATCHER TYPES / ev_cleanup - even the best things end / Watcher-Specific
// Functions and Data Members).
func (l *Loop) NewCleanup(cb func(w *Cleanup, revents int)) (*Cleanup, error) {
	if err := l.check("NewCleanup"); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewCleanup", C.CEV_CLEANUP, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Cleanup{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	return w, nil
}

// Async wakes the loop from any goroutine (ev.pod, WATCHER TYPES / ev_async
// - how to wake up an event loop). Sends coalesce: several Sends before the
// loop notices give one callback, but a Send is never lost.
type Async struct{ watcher }

// NewAsync creates an inactive async watcher (ev_async_init; ev.pod,
// WATCHER TYPES / ev_async - how to wake up an event loop /
// Watcher-Specific Functions and Data Members).
func (l *Loop) NewAsync(cb func(w *Async, revents int)) (*Async, error) {
	if err := l.check("NewAsync"); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewAsync", C.CEV_ASYNC, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Async{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	return w, nil
}

// Send wakes the loop and makes the watcher pending (ev_async_send; ev.pod,
// WATCHER TYPES / ev_async - how to wake up an event loop /
// Watcher-Specific Functions and Data Members). It is the one method of
// cev that is safe from any goroutine.
func (w *Async) Send() error {
	if w == nil || w.loop == nil {
		return w.base().badReceiver("Async.Send")
	}
	l := w.loop
	l.sendMu.RLock()
	defer l.sendMu.RUnlock()
	if l.closed || w.c == nil {
		return errf("Async.Send", ErrClosed, "")
	}
	C.cev_async_send(l.c, w.c)
	return nil
}

// AsyncPending reports whether a Send has not been noticed by the loop yet
// (ev_async_pending; ev.pod, WATCHER TYPES / ev_async - how to wake up an
// event loop / Watcher-Specific Functions and Data Members), false for a
// nil or closed watcher or a destroyed loop. Loop goroutine only.
func (w *Async) AsyncPending() bool {
	if !w.base().ok() {
		return false
	}
	return C.cev_async_pending(w.c) != 0
}
