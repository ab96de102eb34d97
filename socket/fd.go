package socket

import (
	"net"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/scheduler"
)

// Pseudo revents delivered through a side's Waker: they never collide with libev's io bits.
const (
	revTimer  = cev.EV_TIMER
	revClosed = cev.EV_CUSTOM
)

// side is one direction of a socket (read or write): the io watcher a greenlet waits on, the
// timer that enforces the direction's deadline, and the waiter of the greenlet waiting now.
// Watchers are created on the first wait, so a socket that never blocks costs no C memory.
//
// The io watcher is stopped lazily: it stays active after a wait ends and stops itself the
// first time it fires with nobody waiting. A greenlet that reads, waits, reads, waits (every
// request/response loop) therefore never restarts it, which saves two cgo calls and the
// fcntl(F_GETFD) with which cev's Start checks the fd, per wait.
//
// A watcher left active with nobody waiting must not keep the loop alive: an idle connection
// would otherwise turn every deadlock into a hang in epoll_wait instead of a LoopExit (gevent's
// hub.wait stops its watcher however the wait ends). So a wait that ends with the watcher still
// active unrefs the loop (ev_unref: libev's activecnt no longer counts it, Loop.ActiveCount drops
// with it), and the loop is ref'd again before anything else happens to that watcher: the next
// wait, its lazy self-stop, or Close. unrefd records the one outstanding Unref, so Ref and Unref
// balance on every path; the loop's Destroy frees the watcher and the count with it.
type side struct {
	io       *cev.IO
	unrefd   bool // the loop was unref'd for io, which stays active with nobody waiting
	timer    *cev.Timer
	waiter   *scheduler.Waiter // non-nil while a greenlet waits
	wt       *scheduler.Waiter // reused by every wait on the side (see wait)
	deadline time.Time
	drained  bool // the last read returned less than asked: the socket was emptied
}

// fire is the io and timer callback: wake the waiting greenlet, or, if nobody waits, stop the
// io watcher that was left active.
func (s *side) fire(rev int) {
	if w := s.waiter; w != nil {
		s.waiter = nil
		w.Switch(rev)
		return
	}
	if rev&revTimer == 0 && s.io != nil {
		// Ref before the stop, which takes the watcher's count off again (ev.pod,
		// ev_ref/ev_unref). Also right when cev already stopped the watcher for a dead fd
		// (EV_ERROR): that stop took off the count the Unref had already removed.
		s.ref()
		_ = s.io.Stop()
	}
}

// ref takes back the Unref of an idle io watcher, before the watcher is waited on, stopped or
// freed.
func (s *side) ref() {
	if s.unrefd {
		s.unrefd = false
		_ = s.io.Loop().Ref()
	}
}

// unref lets the io watcher, left active at the end of a wait, stop counting for the loop's
// liveness. A watcher that is not active (never started, or stopped by cev for a dead fd) holds
// no count to give up.
func (s *side) unref() {
	if !s.unrefd && s.io != nil && s.io.IsActive() {
		s.unrefd = true
		_ = s.io.Loop().Unref()
	}
}

// netFD is a non-blocking socket bound to one hub.
type netFD struct {
	sysfd   int
	family  int
	sotype  int
	network string
	hub     *scheduler.Hub
	owner   *greenlet.Greenlet // main greenlet of the hub's goroutine, for the affinity check
	r, w    side
	closed  bool
	laddr   net.Addr
	raddr   net.Addr
}

// newFD wraps sysfd for the calling goroutine's hub.
func newFD(sysfd, family, sotype int, network string) *netFD {
	h := scheduler.GetHub()
	return &netFD{sysfd: sysfd, family: family, sotype: sotype, network: network, hub: h,
		owner: scheduler.CurrentRaw().Main()}
}

// onHub reports whether the caller runs a greenlet of the socket's hub.
func (fd *netFD) onHub() bool { return fd.owner.OwnedByCaller() && !fd.hub.Destroyed() }

// check is the preamble of every method but Close.
func (fd *netFD) check() error {
	if !fd.onHub() {
		return errAffinity
	}
	if fd.closed {
		return net.ErrClosed
	}
	return nil
}

// sideFor returns the side that waits for ev.
func (fd *netFD) sideFor(ev int) *side {
	if ev == cev.EV_READ {
		return &fd.r
	}
	return &fd.w
}

// expired reports whether the side's deadline passed, which fails the operation before the
// system call, as package net does.
func (s *side) expired() bool {
	return !s.deadline.IsZero() && !time.Now().Before(s.deadline)
}

// wait blocks the calling greenlet until fd is ready for ev (cev.EV_READ or cev.EV_WRITE), the
// side's deadline (or the earlier extra deadline, zero for none) passes, the socket is closed, or
// an error is thrown into the greenlet. ev 0 waits for the deadline or Close only (a back-off).
func (fd *netFD) wait(ev int, extra time.Time, label string) error {
	if fd.closed {
		return net.ErrClosed
	}
	s := &fd.r
	if ev == cev.EV_WRITE {
		s = &fd.w
	}
	if s.waiter != nil {
		return scheduler.ErrConcurrentUse
	}
	dl := s.deadline
	if !extra.IsZero() && (dl.IsZero() || extra.Before(dl)) {
		dl = extra
	}
	if ev != 0 {
		if s.io == nil {
			io, err := fd.hub.Loop().NewIO(fd.sysfd, ev, func(_ *cev.IO, rev int) { s.fire(rev) })
			if err != nil {
				return err
			}
			s.io = io
		}
		s.ref()
		if !s.io.IsActive() {
			if err := s.io.Start(); err != nil {
				return err
			}
		}
	}
	timed := false
	if !dl.IsZero() {
		d := time.Until(dl)
		if d <= 0 {
			s.unref()
			return ErrTimeout
		}
		if err := fd.armTimer(s, d); err != nil {
			s.unref()
			return err
		}
		timed = true
	} else if ev == 0 {
		return ErrTimeout
	}
	// One waiter per side, reused: a request/response loop otherwise allocates
	// one (and looks its hub up) per wait. Reuse is safe because a value is only
	// ever delivered to it while a greenlet is blocked in Get (fire checks
	// s.waiter); the one delivery that can land after its waiter stopped
	// waiting is close's, and a closed fd never waits again.
	w := s.wt
	if w == nil {
		w = scheduler.NewWaiterLabel(label)
		s.wt = w
	} else {
		w.SetLabel(label)
	}
	s.waiter = w
	v, err := w.Get()
	if s.waiter == w {
		// Woken by something else (Kill, a scheduler.Timeout): the watcher stays active and
		// stops itself when it next fires for nobody.
		s.waiter = nil
	}
	// However the wait ended, the watcher left active must not keep the loop alive. After
	// close, s.io is nil and there is nothing to unref.
	s.unref()
	if timed && s.timer != nil {
		_ = s.timer.Stop()
	}
	if err != nil {
		return err
	}
	rev, _ := v.(int)
	switch {
	case fd.closed || rev&revClosed != 0:
		return net.ErrClosed
	case rev&revTimer != 0:
		if ev == 0 {
			// A back-off sleep that ran its course.
			return nil
		}
		return ErrTimeout
	}
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
	if err := s.timer.Set(max(d, 0).Seconds(), 0); err != nil {
		return err
	}
	return s.timer.Start()
}

// sleep parks the caller for d on the read side's timer; Close ends it early with net.ErrClosed.
func (fd *netFD) sleep(d time.Duration, label string) error {
	return fd.wait(0, time.Now().Add(d), label)
}

// setDeadline changes a side's deadline; a greenlet waiting on the side now sees the new one at
// once, as package net promises.
func (fd *netFD) setDeadline(s *side, t time.Time) error {
	s.deadline = t
	if s.waiter == nil {
		return nil
	}
	if t.IsZero() {
		if s.timer != nil {
			_ = s.timer.Stop()
		}
		return nil
	}
	return fd.armTimer(s, time.Until(t))
}

// close stops and frees the watchers, closes the fd and wakes waiters with net.ErrClosed. It runs
// on the hub's goroutine.
func (fd *netFD) close() error {
	if fd.closed {
		return net.ErrClosed
	}
	fd.closed = true
	for _, s := range []*side{&fd.r, &fd.w} {
		// Freed before the fd closes: libev must never poll a closed fd.
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
		if w := s.waiter; w != nil {
			s.waiter = nil
			// Called in a greenlet, Switch defers the wake to a hub callback.
			w.Switch(revClosed)
		}
	}
	return syscall.Close(fd.sysfd)
}

// Close closes the socket. Goroutine-safe: from a goroutine that does not own the hub, the close
// is posted to the hub (Hub.Post) and happens when the hub next runs; Close then returns nil at
// once rather than wait for a hub that may be busy.
func (fd *netFD) Close() error {
	if fd.onHub() {
		return fd.close()
	}
	if err := fd.hub.Post(func() { _ = fd.close() }); err == nil {
		return nil
	}
	// The hub is destroyed: its loop freed every watcher, only the fd is left.
	if fd.closed {
		return net.ErrClosed
	}
	fd.closed = true
	return syscall.Close(fd.sysfd)
}
