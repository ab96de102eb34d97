package fileobject

import (
	"context"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/lazyio"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// Pseudo revents a side is woken with besides libev's io bits (they never collide with them).
const (
	revTimer  = cev.EV_TIMER  // the side's deadline passed
	revClosed = cev.EV_CUSTOM // Close ran
	revDone   = cev.EV_ASYNC  // thread mode: the call on the worker returned
)

// side is the hub-owned state of one direction (read or write) of a File: the watchers a
// greenlet waits on, the deadline, and in thread mode the call in flight on a worker. Watchers
// are made on the first wait, on the hub the File is bound to then; if that hub is destroyed and
// the File binds to another, they are made again there (the destroyed loop freed the old ones).
type side struct {
	f     *File
	sc    func(fd int, b []byte) (int, error) // sysRead or sysWrite
	label string                              // what a waiting greenlet waits on, for reports

	hub   *scheduler.Hub // the hub io, timer and pw belong to
	io    *cev.IO
	timer *cev.Timer
	tw    *scheduler.Waiter // the waiter of the greenlet waiting now
	pw    *scheduler.Waiter // poll mode: reused by every wait (see block)
	busy  bool              // a greenlet waits on this side
	// drained: poll mode, a pipe or FIFO whose last read returned less than asked, which emptied
	// it (see pollRead).
	drained bool
	// ctlWait: thread mode, the greenlet waiting on this side (a Read or Write) waits for the
	// greenlet of the File's control call to collect it (awaitCtl, woken by ctlReleased).
	ctlWait bool
	// lazy: the io watcher stays active between poll-mode waits, unref'd, and stops the next
	// time it fires with nobody waiting (see internal/lazyio).
	lazy lazyio.Ref

	deadline time.Time

	// The raw system call, run inside RawConn.Control so that Close never closes the fd under
	// it: control is made once, so a call allocates nothing.
	control func(fd uintptr)
	buf     []byte
	n       int
	err     error

	// Thread mode.
	pend    *threadpool.Result[result] // the call on a worker, until a wait collects it
	pendHub *scheduler.Hub             // the hub pend is delivered on
	pendRun *threadCall                // pend's call, for another hub should pendHub end first
	wbuf    []byte                     // the buffer the last read used, reused when it is done
	left    []byte                     // bytes a read returned that did not fit in the caller's p
	leftErr error                      // the error that came with left
}

// result is what a worker's call returned.
type result struct {
	data []byte // a read's bytes
	n    int    // a write's count
	off  int64  // a seek's new offset
	info os.FileInfo
	err  error
}

func (s *side) init(f *File, sc func(int, []byte) (int, error), label string) {
	s.f, s.sc, s.label = f, sc, label
	s.control = func(u uintptr) { s.n, s.err = s.sc(int(u), s.buf) }
}

// syscall runs the side's read(2) or write(2) on b once.
func (s *side) syscall(b []byte) (int, error) {
	s.buf = b
	if err := s.f.rc.Control(s.control); err != nil {
		s.buf = nil
		return 0, ErrClosed
	}
	s.buf = nil
	if s.err != nil {
		err := s.err
		s.err = nil
		return 0, err
	}
	return s.n, nil
}

// bind makes sure the side's watchers belong to h, dropping those of a destroyed hub.
func (s *side) bind(h *scheduler.Hub) {
	if s.hub != h {
		s.hub, s.io, s.timer, s.pw, s.lazy = h, nil, nil, nil, lazyio.Ref{}
	}
}

// fire wakes the greenlet waiting on the side, if any, with rev; with nobody waiting, the io
// watcher left active by the last wait fires once more and is stopped. On the hub greenlet only.
func (s *side) fire(rev int) {
	if w := s.tw; w != nil {
		s.tw = nil
		w.Switch(rev)
		return
	}
	if rev&(revTimer|revClosed|revDone) != 0 || s.io == nil {
		return
	}
	// Ref before the stop, which takes the watcher's count off (also when cev already stopped
	// it for a dead fd, EV_ERROR: that stop took off the count the Unref had removed).
	s.ref()
	_ = s.io.Stop()
}

// ref takes back the Unref of the idle io watcher (lazyio.Ref.Take).
func (s *side) ref() { s.lazy.Take(s.io) }

// unref lets the io watcher left active stop counting for the loop (lazyio.Ref.Drop).
func (s *side) unref() { s.lazy.Drop(s.io) }

// expired reports whether the deadline passed: the call then fails before its system call,
// as *os.File's does.
func (s *side) expired() bool {
	return !s.deadline.IsZero() && !time.Now().Before(s.deadline)
}

// armDeadline starts the deadline timer for a wait, if there is a deadline; one that passed
// already is ErrTimeout.
func (s *side) armDeadline() error {
	if s.deadline.IsZero() {
		return nil
	}
	d := time.Until(s.deadline)
	if d <= 0 {
		return ErrTimeout
	}
	return s.armTimer(d)
}

// armTimer (re)starts the deadline timer to fire after d.
func (s *side) armTimer(d time.Duration) error {
	if s.timer == nil {
		t, err := s.hub.Loop().NewTimer(0, 0, func(*cev.Timer, int) { s.fire(revTimer) })
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

// setDeadline changes the deadline; a greenlet waiting on the side sees it at once.
func (s *side) setDeadline(h *scheduler.Hub, t time.Time) error {
	s.bind(h)
	s.deadline = t
	if !s.busy {
		return nil
	}
	if t.IsZero() {
		if s.timer != nil {
			_ = s.timer.Stop()
		}
		return nil
	}
	return s.armTimer(time.Until(t))
}

// outcome turns the revents a wait was woken with into its error.
func (s *side) outcome(rev int) error {
	switch {
	case s.f.closing.Load() || rev&revClosed != 0:
		return ErrClosed
	case rev&revTimer != 0:
		return ErrTimeout
	case rev&cev.EV_ERROR != 0:
		// cev stopped the watcher: the fd was closed behind the File's back.
		return ErrBadFD
	}
	return nil
}

// free stops and frees the side's watchers of hub h before the descriptor is closed.
func (s *side) free(h *scheduler.Hub) {
	if s.hub != h {
		return
	}
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

// waitFD parks the calling greenlet until the fd is ready for ev, the deadline passes, the File
// is closed, ctx ends, or an error is thrown into the greenlet. The io watcher stays active after
// the wait, unref'd, and stops the next time it fires with nobody waiting (see fire).
func (s *side) waitFD(ctx context.Context, h *scheduler.Hub, ev int) error {
	if s.f.closing.Load() {
		return ErrClosed
	}
	if s.busy {
		return scheduler.ErrConcurrentUse
	}
	s.bind(h)
	if err := s.startIO(h, ev); err != nil {
		return err
	}
	// However the wait ends, the watcher left active must not keep the loop alive.
	defer s.unref()
	for {
		if err := s.armDeadline(); err != nil {
			return err
		}
		rev, err := s.block(ctx)
		s.stopTimer()
		if err != nil {
			return err
		}
		if !s.early(rev) {
			return s.outcome(rev)
		}
	}
}

// startIO makes sure the side's io watcher exists, counts for the loop and is active.
func (s *side) startIO(h *scheduler.Hub, ev int) error {
	if s.io == nil {
		io, err := h.Loop().NewIO(s.f.fd, ev, func(_ *cev.IO, rev int) { s.fire(rev) })
		if err != nil {
			return err
		}
		s.io = io
	}
	s.ref()
	if s.io.IsActive() {
		return nil
	}
	return s.io.Start()
}

// block parks the greenlet on the side's poll-mode waiter until the io watcher, the deadline
// timer, Close or ctx wakes it, and returns the revents it was woken with. One waiter, reused:
// a value reaches it only while a greenlet waits (fire looks at s.tw), except Close's, and a
// closing File never waits again.
func (s *side) block(ctx context.Context) (int, error) {
	w := s.pw
	if w == nil {
		w = scheduler.NewWaiter(s.label)
		s.pw = w
	}
	s.tw, s.busy = w, true
	v, err := w.Get(ctx)
	if s.tw == w {
		s.tw = nil // woken by something else than fire: Kill, ctx
	}
	s.busy = false
	rev, _ := v.(int)
	return rev, err
}

// early reports whether a wait was woken by the deadline timer before the deadline (or after it
// was cleared): the timer counts from the loop's cached clock, which may lag behind the wall
// clock, so it can fire an instant early; the wait then goes on.
func (s *side) early(rev int) bool {
	return rev&(revTimer|revClosed) == revTimer && !s.f.closing.Load() &&
		(s.deadline.IsZero() || time.Now().Before(s.deadline))
}

// stopTimer stops the deadline timer after a wait, however it was armed (by the wait, or by a
// SetDeadline during it).
func (s *side) stopTimer() {
	if s.timer != nil {
		_ = s.timer.Stop()
	}
}

// pollRead is Read in poll mode: read(2), and on EAGAIN wait for the fd and try again. When the
// last read emptied the pipe and the watcher left active has not fired since, nothing arrived
// as far as the loop knows: it waits first, and saves the read that would fail with EAGAIN (as
// package socket's reads do). If data did arrive after the loop's last poll, the level-triggered
// watcher fires in the next iteration: a wrong guess costs a hub turn, never a lost wake-up.
// With ctx ended it guesses nothing: a read that needs no wait still completes.
func (s *side) pollRead(ctx context.Context, h *scheduler.Hub, p []byte) (int, error) {
	if s.expired() {
		return 0, ErrTimeout
	}
	if s.drained && s.io != nil && s.io.IsActive() && !ended(ctx) {
		if err := s.waitFD(ctx, h, cev.EV_READ); err != nil {
			return 0, err
		}
	}
	for {
		n, err := s.syscall(p)
		switch err {
		case nil:
			if n == 0 {
				s.drained = false
				return 0, io.EOF
			}
			s.drained = s.f.fifo && n < len(p)
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := s.waitFD(ctx, h, cev.EV_READ); err != nil {
				return 0, err
			}
			continue
		}
		return 0, sysErr("read", err)
	}
}

// pollWrite is Write in poll mode: write(2) until all of p is out, waiting on EAGAIN.
func (s *side) pollWrite(ctx context.Context, h *scheduler.Hub, p []byte) (int, error) {
	if s.expired() {
		return 0, ErrTimeout
	}
	done := 0
	for done < len(p) {
		n, err := s.syscall(p[done:])
		switch err {
		case nil:
			done += n
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := s.waitFD(ctx, h, cev.EV_WRITE); err != nil {
				return done, err
			}
			continue
		}
		return done, sysErr("write", err)
	}
	return done, nil
}

// ended reports whether ctx has ended, without the lock ctx.Err takes: a receive from a channel
// that is not closed fails without one.
func ended(ctx context.Context) bool {
	done := ctx.Done()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}
