package socket

import (
	"context"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/lazyio"
	"github.com/geventgo/geventgo/scheduler"
)

// Pseudo revents delivered through a side's waiter: they never collide with libev's io bits.
const (
	revTimer  = cev.EV_TIMER
	revClosed = cev.EV_CUSTOM
)

// Directions, to index the per-direction state of a shared socket.
const (
	dirRead  = 0
	dirWrite = 1
)

// side is the hub-owned state of one direction of a socket (read or write): the io watcher a
// greenlet (or, for a shared socket, a goroutine) waits on, the timer that enforces the
// direction's deadline for greenlets, and the waiter of the greenlet waiting now. Only the
// hub's goroutine touches it. Watchers are created on the first wait, so a socket that never
// blocks costs no C memory.
//
// The io watcher is stopped lazily: it stays active after a wait ends, unref'd, and stops itself
// the first time it fires with nobody waiting (internal/lazyio says why and how the loop's count
// stays right). A greenlet that reads, waits, reads, waits (every request/response loop)
// therefore never restarts it.
type side struct {
	io       *cev.IO
	lazy     lazyio.Ref // the loop's count for io, which stays active with nobody waiting
	timer    *cev.Timer
	waiter   *scheduler.Waiter // non-nil while a greenlet waits
	wt       *scheduler.Waiter // reused by every wait on the side (see block)
	deadline time.Time         // greenlets' deadline (a shared socket keeps its own)
	until    time.Time         // the running wait's own limit (a back-off's end), zero for none
	sleeping bool              // the waiting greenlet sleeps (ev 0): readiness must not wake it
	drained  bool              // a stream's last read returned less than asked: it emptied the socket
}

// fire is the io and timer callback: wake the waiting greenlet, or, if nobody waits, stop the
// io watcher that was left active.
func (s *side) fire(rev int) {
	// A sleeping greenlet (Accept's back-off) waits for its timer only: the io watcher, left
	// active by an earlier wait, fires at once on a listener with connections pending, and
	// waking the sleeper for it made the back-off spin.
	if w := s.waiter; w != nil && (!s.sleeping || rev&revTimer != 0) {
		s.waiter = nil
		w.Switch(rev)
		return
	}
	if rev&revTimer != 0 || s.io == nil {
		return
	}
	// Ref before the stop, which takes the watcher's count off again (ev.pod, ev_ref/ev_unref).
	// Also right when cev already stopped the watcher for a dead fd (EV_ERROR): that stop took
	// off the count the Unref had already removed.
	s.ref()
	_ = s.io.Stop()
}

// ref takes back the Unref of an idle io watcher (lazyio.Ref.Take).
func (s *side) ref() { s.lazy.Take(s.io) }

// unref lets the io watcher left active stop counting for the loop (lazyio.Ref.Drop).
func (s *side) unref() { s.lazy.Drop(s.io) }

// startIO makes sure the side's io watcher exists, counts for the loop and is active.
func (s *side) startIO(fd *netFD, ev int) error {
	if s.io == nil {
		io, err := fd.hub.Loop().NewIO(fd.sysfd, ev, func(_ *cev.IO, rev int) { s.fire(rev) })
		if err != nil {
			return err
		}
		s.io = io
	}
	s.ref()
	if !s.io.IsActive() {
		return s.io.Start()
	}
	return nil
}

// free stops and frees the side's watchers (the fd is about to close: libev must never poll a
// closed fd) and wakes a greenlet waiting on it with revClosed.
func (s *side) free() {
	if s.io != nil {
		// Ref first: freeing an active watcher takes its count off.
		s.ref()
		_ = s.io.Close()
		s.io = nil
	}
	if s.timer != nil {
		_ = s.timer.Close()
		s.timer = nil
	}
}

// wakeClosed wakes the greenlet waiting on the side, if any, with revClosed.
func (s *side) wakeClosed() {
	if w := s.waiter; w != nil {
		s.waiter = nil
		// Called in a greenlet, Switch defers the wake to a hub callback.
		w.Switch(revClosed)
	}
}

// expired reports whether the side's deadline passed, which fails the operation before the
// system call, as package net does.
func (s *side) expired() bool {
	return !s.deadline.IsZero() && !time.Now().Before(s.deadline)
}

// netFD is a non-blocking socket bound to one hub. The immutable fields (sysfd, family, sotype,
// network, hub, laddr, raddr) are set before the socket is returned; r and w belong to the hub's
// goroutine; ref and sh are goroutine-safe.
type netFD struct {
	sysfd   int
	family  int
	sotype  int
	network string
	hub     *scheduler.Hub
	laddr   net.Addr
	raddr   net.Addr
	// listening: a Listener's; its errors put laddr in Addr and no Source, as package net's
	listening bool
	ref       fdRef
	sh        atomic.Pointer[shared] // set once the socket is shared (goroutine-safe)
	release   func()                 // a shared socket's KeepAlive, released by teardown; hub-owned
	r, w      side
}

// newFD wraps sysfd for hub h.
func newFD(h *scheduler.Hub, sysfd, family, sotype int, network string) *netFD {
	fd := &netFD{sysfd: sysfd, family: family, sotype: sotype, network: network, hub: h}
	fd.ref.init(sysfd)
	return fd
}

// checkHub is the preamble of a hub-affine call that does not block.
func (fd *netFD) checkHub() error {
	if err := fd.hub.Check(); err != nil {
		return err
	}
	if fd.ref.isClosing() {
		return ErrClosed
	}
	return nil
}

// checkWait is the preamble of a hub-affine call that may block.
func (fd *netFD) checkWait() error {
	if err := fd.hub.CheckWait(); err != nil {
		return err
	}
	if fd.ref.isClosing() {
		return ErrClosed
	}
	return nil
}

// sideFor returns the side that waits for ev.
func (fd *netFD) sideFor(ev int) *side {
	if ev == cev.EV_WRITE {
		return &fd.w
	}
	return &fd.r
}

// ioPlain runs op, one non-blocking system call, for a greenlet: it retries on EINTR and, on
// EAGAIN, waits for ev (or the side's deadline, Close, ctx, an error thrown into the greenlet)
// and tries again. The caller passed checkWait.
func (fd *netFD) ioPlain(ctx context.Context, ev int, label string, op func() error) error {
	if fd.sideFor(ev).expired() {
		return ErrTimeout
	}
	for {
		if !fd.ref.incref() {
			return ErrClosed
		}
		err := op()
		fd.ref.decref()
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := fd.wait(ctx, ev, time.Time{}, label); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// wait blocks the calling greenlet until fd is ready for ev (cev.EV_READ or cev.EV_WRITE), the
// side's deadline (or the earlier until, zero for none) passes, the socket is closed, ctx is
// done, or an error is thrown into the greenlet. ev 0 waits on the read side for until or Close
// only (a back-off sleep).
func (fd *netFD) wait(ctx context.Context, ev int, until time.Time, label string) error {
	if fd.ref.isClosing() {
		return ErrClosed
	}
	s := fd.sideFor(ev)
	if s.waiter != nil {
		return scheduler.ErrConcurrentUse
	}
	if ev != 0 {
		if err := s.startIO(fd, ev); err != nil {
			return err
		}
	}
	timed, err := fd.armDeadline(s, earliest(s.deadline, until), ev)
	if err != nil || !timed && ev == 0 {
		s.unref()
		return err
	}
	s.until, s.sleeping = until, ev == 0
	rev, err := s.block(ctx, label)
	s.until, s.sleeping = time.Time{}, false
	// However the wait ended, the watcher left active must not keep the loop alive. After
	// Close, s.io is nil and there is nothing to unref.
	s.unref()
	// A deadline set during an untimed wait armed the timer too: left running, it would fire
	// into a later wait with no deadline.
	if s.timer != nil && (timed || s.timer.IsActive()) {
		_ = s.timer.Stop()
	}
	if err != nil {
		return err
	}
	return fd.outcome(rev, ev)
}

// earliest returns the earlier of two deadlines, the zero time meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// armDeadline starts the side's timer for dl (zero: none) and reports whether it did; a
// deadline that passed already is ErrTimeout, as is a back-off (ev 0) without one.
func (fd *netFD) armDeadline(s *side, dl time.Time, ev int) (bool, error) {
	if dl.IsZero() {
		if ev == 0 {
			return false, ErrTimeout
		}
		return false, nil
	}
	d := time.Until(dl)
	if d <= 0 {
		return false, ErrTimeout
	}
	if err := fd.armTimer(s, d); err != nil {
		return false, err
	}
	return true, nil
}

// block parks the greenlet on the side's waiter until a watcher, Close or ctx wakes it, and
// returns the revents it was woken with.
//
// One waiter per side, reused: a request/response loop otherwise allocates one (and looks its
// hub up) per wait. Reuse is safe because a value is only ever delivered to it while a greenlet
// is blocked in Get (fire checks s.waiter); the one delivery that can land after its waiter
// stopped waiting is Close's, and a closed fd never waits again.
func (s *side) block(ctx context.Context, label string) (int, error) {
	w := s.wt
	if w == nil {
		w = scheduler.NewWaiter(label)
		s.wt = w
	} else {
		w.SetLabel(label)
	}
	s.waiter = w
	v, err := w.Get(ctx)
	if s.waiter == w {
		// Woken by something else (Kill, a scheduler.Timeout, ctx): the watcher stays active
		// and stops itself when it next fires for nobody.
		s.waiter = nil
	}
	rev, _ := v.(int)
	return rev, err
}

// outcome turns the revents a wait was woken with into its error.
func (fd *netFD) outcome(rev, ev int) error {
	switch {
	case fd.ref.isClosing() || rev&revClosed != 0:
		return ErrClosed
	case rev&revTimer != 0 && ev != 0:
		return ErrTimeout
	}
	// Ready, or a back-off sleep that ran its course.
	return nil
}

// armTimer (re)starts the side's deadline timer to fire after d.
func (fd *netFD) armTimer(s *side, d time.Duration) error {
	if s.timer == nil {
		t, err := fd.hub.Loop().NewTimer(0, 0, func(*cev.Timer, int) { s.fire(revTimer) })
		if err != nil {
			return err
		}
		s.timer = t
	}
	_ = s.timer.Stop()
	// libev times the timer from the loop's cached clock, which lags by as
	// long as the hub ran without polling: refresh it, or the deadline fires
	// that much early.
	_ = fd.hub.Loop().UpdateNow()
	if err := s.timer.Set(max(d, 0).Seconds(), 0); err != nil {
		return err
	}
	return s.timer.Start()
}

// sleep parks the caller for d on the read side's timer; Close ends it early with ErrClosed.
func (fd *netFD) sleep(d time.Duration, label string) error {
	return fd.wait(context.Background(), 0, time.Now().Add(d), label)
}

// setDeadline changes a side's deadline; a greenlet waiting on the side now sees the new one at
// once, as package net promises. The timer keeps the wait's own limit (a back-off's end) if
// that comes first, so a deadline moved or cleared during a back-off does not end or prolong
// it. Hub-affine.
func (fd *netFD) setDeadline(s *side, t time.Time) error {
	s.deadline = t
	if s.waiter == nil {
		return nil
	}
	t = earliest(t, s.until)
	if t.IsZero() {
		if s.timer != nil {
			_ = s.timer.Stop()
		}
		return nil
	}
	return fd.armTimer(s, time.Until(t))
}

// teardown runs on the hub once the socket is closing: it frees the watchers, lets the hub's
// loop end again (a shared socket's KeepAlive), drops the base reference (the fd closes now, or
// when the last system call in progress ends) and wakes waiting greenlets with ErrClosed. The
// wake comes last: it may switch into a greenlet, and everything before it must be done by then
// (a Close that sees the hub destroyed drops the base reference itself).
func (fd *netFD) teardown() {
	fd.r.free()
	fd.w.free()
	if fd.release != nil {
		fd.release()
		fd.release = nil
	}
	fd.ref.dropBase()
	fd.r.wakeClosed()
	fd.w.wakeClosed()
}

// Close closes the socket from any goroutine; a second Close returns ErrClosed.
//
// On the hub (a greenlet or a callback) the teardown runs at once. From any other goroutine it
// is posted to the hub and Close waits until the fd is closed: the peer sees EOF when Close
// returns. If the hub is destroyed before the teardown runs (or was already), its loop never
// polls again and Close drops the base reference itself. A greenlet of another hub waits
// parked; killed (or timed out) meanwhile, it returns that error and the close completes
// without it.
func (fd *netFD) Close() error {
	if fd.sh.Load() != nil && fd.hub.Destroyed() {
		// The hub's destruction closed the socket; its reaper may still be on the way.
		fd.abandon()
		<-fd.ref.doneCh()
		return ErrClosed
	}
	if !fd.ref.markClosing() {
		return ErrClosed
	}
	if fd.sh.Load() != nil {
		fd.wakeShared()
		fd.dropKept()
		unregister(fd)
	}
	if fd.hub.OnHub() {
		fd.teardown()
		return nil
	}
	posted := fd.hub.Post(fd.teardown) == nil
	if !posted {
		fd.ref.dropBase()
	}
	wait := func() (struct{}, error) {
		fd.awaitTeardown(posted)
		return struct{}{}, nil
	}
	if h := scheduler.CurrentHub(); h != nil && h.CheckWait() == nil {
		// A greenlet of another hub parks instead of blocking its hub's thread: that hub may
		// have a teardown of its own to run, posted by a Close the hub of fd runs now. One
		// that may not park (a defer its hub's Destroy runs) blocks, as a goroutine does:
		// RunBlocking would refuse it and Close return before the fd is closed.
		if _, err := scheduler.RunBlocking(context.Background(), wait); err != nil {
			return err // killed meanwhile: the teardown completes without the caller
		}
	} else {
		_, _ = wait()
	}
	return fd.ref.result()
}

// awaitTeardown waits until the fd is closed, after Close posted the teardown (posted) or
// dropped the base reference itself.
func (fd *netFD) awaitTeardown(posted bool) {
	done := fd.ref.doneCh()
	if posted {
		select {
		case <-done:
		case <-fd.hub.Done():
			fd.ref.dropBase()
		}
	}
	// Only system calls in progress (non-blocking ones) can hold the close back now.
	<-done
}

// abandon closes a shared socket whose hub is being destroyed: the loop never polls again, so
// the base reference goes without a teardown. Goroutine-safe.
func (fd *netFD) abandon() {
	fd.ref.markClosing()
	fd.wakeShared()
	fd.dropKept()
	fd.ref.dropBase()
}
