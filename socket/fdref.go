package socket

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// fdRef decides when a socket's file descriptor is closed, as internal/poll's fdMutex does: the
// fd is closed by whoever drops the last reference once the socket is closing, never while a
// system call on it is in progress (the number could be reused by another open meanwhile) and
// never while the hub's libev may still poll it.
//
// References:
//   - the base reference, held from creation until the hub has freed the socket's watchers
//     (dropBase: the hub's teardown after Close, or a Close that finds the hub destroyed, whose
//     loop never polls again);
//   - one per system call in progress (incref/decref around it, from whatever goroutine makes it).
//
// A wait for readiness holds no reference: Close wakes it (closing channel for goroutines,
// revClosed for greenlets) and the woken call finds the socket closing.
//
// States: open -> closing (markClosing: new references are refused) -> closed (the last
// reference dropped: close(2) ran and done is closed). Every transition is one CAS on state, so
// any goroutine may take any of them.
type fdRef struct {
	state atomic.Uint64 // refCount<<2 | baseDropped | closingBit
	sysfd int
	file  atomic.Pointer[os.File] // a shared socket's file on sysfd (Go's poller): closes it

	mu       sync.Mutex    // guards the channels below, made on first use
	closing  chan struct{} // closed by markClosing
	done     chan struct{} // closed once close(2) ran
	chClosed bool          // closing was closed
	isDone   bool          // close(2) ran
	closeErr error         // close(2)'s result
}

const (
	refClosing = 1 << 0
	refBase    = 1 << 1 // the base reference was dropped
	refOne     = 1 << 2
)

// init sets up the references of a new fd: the base one only.
func (r *fdRef) init(sysfd int) {
	r.sysfd = sysfd
	r.state.Store(refOne)
}

// incref takes a reference for a system call; false once the socket is closing.
func (r *fdRef) incref() bool {
	for {
		s := r.state.Load()
		if s&refClosing != 0 {
			return false
		}
		if r.state.CompareAndSwap(s, s+refOne) {
			return true
		}
	}
}

// decref drops a reference taken by incref, closing the fd if it was the last.
func (r *fdRef) decref() {
	if s := r.state.Add(^uint64(refOne - 1)); s>>2 == 0 {
		r.finalClose()
	}
}

// isClosing reports whether Close has begun.
func (r *fdRef) isClosing() bool { return r.state.Load()&refClosing != 0 }

// markClosing moves the socket to closing and wakes goroutines waiting on it; false if it was
// closing already (a second Close).
func (r *fdRef) markClosing() bool {
	for {
		s := r.state.Load()
		if s&refClosing != 0 {
			return false
		}
		if r.state.CompareAndSwap(s, s|refClosing) {
			break
		}
	}
	r.mu.Lock()
	if r.closing != nil && !r.chClosed {
		close(r.closing)
	}
	r.chClosed = true
	r.mu.Unlock()
	return true
}

// dropBase drops the base reference once (later calls do nothing); only after markClosing.
func (r *fdRef) dropBase() {
	for {
		s := r.state.Load()
		if s&refBase != 0 {
			return
		}
		n := (s | refBase) - refOne
		if r.state.CompareAndSwap(s, n) {
			if n>>2 == 0 {
				r.finalClose()
			}
			return
		}
	}
}

// finalClose runs close(2), exactly once: only the drop of the last reference gets here. A
// shared socket's file closes the fd itself (and leaves Go's poller), waiting for a goroutine
// still inside its RawConn, woken by Close, to leave it.
func (r *fdRef) finalClose() {
	var err error
	if f := r.file.Load(); f != nil {
		if err = f.Close(); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
		}
	} else {
		err = syscall.Close(r.sysfd)
	}
	r.mu.Lock()
	r.isDone = true
	r.closeErr = wrapErrno("close", err)
	if r.done != nil {
		close(r.done)
	}
	r.mu.Unlock()
}

// closingCh returns a channel closed when the socket starts closing.
func (r *fdRef) closingCh() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing == nil {
		r.closing = make(chan struct{})
		if r.chClosed {
			close(r.closing)
		}
	}
	return r.closing
}

// doneCh returns a channel closed once close(2) ran.
func (r *fdRef) doneCh() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done == nil {
		r.done = make(chan struct{})
		if r.isDone {
			close(r.done)
		}
	}
	return r.done
}

// result is close(2)'s error once it ran.
func (r *fdRef) result() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeErr
}
