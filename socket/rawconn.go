package socket

import (
	"context"
	"sync"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
)

// rawConn is a socket's syscall.RawConn (SyscallConn), as package net's: Control runs a
// function on the descriptor, Read and Write run one until it reports done, waiting for the
// socket between calls as the socket's own reads and writes do.
type rawConn struct{ s *sock }

// syscallConn is SyscallConn for every socket type.
func (s *sock) syscallConn() (syscall.RawConn, error) {
	if s.fd == nil {
		return nil, s.opErr("raw-conn", errZero)
	}
	return &rawConn{s}, nil
}

// Control runs f on the descriptor, which stays open while f runs (a Close waits for it).
// Goroutine-safe.
func (rc *rawConn) Control(f func(fd uintptr)) error {
	fd := rc.s.fd
	err := fd.control(func() error {
		f(uintptr(fd.sysfd))
		return nil
	})
	return rc.s.localErr("raw-control", err) // package net's shape for raw-control
}

// Read calls f until it returns true, waiting for the socket to be readable after each false.
func (rc *rawConn) Read(f func(fd uintptr) (done bool)) error {
	return rc.s.opErr("raw-read", rc.io(dirRead, cev.EV_READ, "socket raw read", f))
}

// Write calls f until it returns true, waiting for the socket to be writable after each false.
func (rc *rawConn) Write(f func(fd uintptr) (done bool)) error {
	return rc.s.opErr("raw-write", rc.io(dirWrite, cev.EV_WRITE, "socket raw write", f))
}

// io is Read or Write: on a shared socket under the direction's lock in Go's poller (from a
// greenlet, on a goroutine of its own meanwhile), else in the calling greenlet, which waits on
// the hub's io watcher.
func (rc *rawConn) io(dir, ev int, label string, f func(uintptr) bool) error {
	fd := rc.s.fd
	if fd.sh.Load() != nil {
		if fd.offload() {
			return rc.ioOffloaded(dir, ev, label, f)
		}
		sh, err := fd.lockShared(dir)
		if err != nil {
			return err
		}
		defer sh.unlockDir(dir)
		if err := sh.raw(dir, f); err != nil {
			return fd.pollErr(err)
		}
		return nil
	}
	if fd.ref.isClosing() {
		return ErrClosed // before the affinity check: a closed socket says so from anywhere
	}
	if err := fd.checkWait(); err != nil {
		return err
	}
	if fd.sideFor(ev).expired() {
		return ErrTimeout
	}
	for {
		// fd.control holds the descriptor for f and lets it go however f ends, a panic
		// included (package net's RawConn lets go of the fd then too).
		done := false
		if err := fd.control(func() error { done = f(uintptr(fd.sysfd)); return nil }); err != nil {
			return err
		}
		if done {
			return nil
		}
		if err := fd.wait(context.Background(), ev, time.Time{}, label); err != nil {
			return err
		}
	}
}

// ioOffloaded is io of a shared socket from a greenlet, on RunBlocking's goroutine. When the
// greenlet gives up first (killed, a scheduler.Timeout), that goroutine goes on waiting, but f
// is never called again: its next try reports done without f, so f does not run after Read or
// Write returned (it would race with its caller, and take data the next read is owed).
func (rc *rawConn) ioOffloaded(dir, ev int, label string, f func(uintptr) bool) error {
	var (
		mu     sync.Mutex
		gaveUp bool
	)
	_, err := runBlocking(func() (struct{}, error) {
		return struct{}{}, rc.io(dir, ev, label, func(fd uintptr) bool {
			mu.Lock()
			defer mu.Unlock()
			return gaveUp || f(fd)
		})
	})
	mu.Lock()
	gaveUp = true
	mu.Unlock()
	return err
}
