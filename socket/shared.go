package socket

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

// A shared socket is one that goroutines use: Shared, a Dialer or ListenConfig with Hub set, or
// Accept on a shared Listener made it. Its calls follow package net's rules (internal/poll):
//
//   - Who calls what: any goroutine calls any method. A call that may block (Read, Write,
//     ReadFrom, WriteTo, Accept) runs on the calling goroutine; from a greenlet (of any hub) it
//     runs through scheduler.RunBlocking so that the greenlet's hub keeps running; from a hub
//     callback it is refused with ErrNotGreenlet, as any blocking call there.
//   - Serialisation: concurrent reads (Read, ReadFrom, Accept) queue on the read lock, concurrent
//     writes on the write lock; a read and a write run at the same time. A queued call gives up
//     when the socket closes.
//   - The system call is made directly by the calling goroutine (the fd is non-blocking), holding
//     an fd reference (fdRef) for its duration only. On EAGAIN the goroutine posts an arm request
//     to the hub, which starts the direction's io watcher and marks the side goWait; when the
//     watcher fires the hub sends a token on the side's ready channel, and the goroutine tries
//     again. A token left over from a wait that ended otherwise only costs one retry.
//   - Deadlines live in the shared state, not on the hub: Set*Deadline stores the time and wakes
//     the goroutine waiting in that direction, which looks at the new deadline (a past one fails
//     the call with ErrTimeout; the deadline is also checked before each system call).
//   - Close (any goroutine): markClosing wakes every waiting or queued goroutine with ErrClosed;
//     the teardown on the hub frees the watchers and drops the base reference; close(2) runs when
//     the last system call in progress ends; Close from a goroutine returns after close(2).
//   - The hub: a shared socket holds the hub's KeepAlive until its teardown, so the hub never
//     ends in LoopExit while one is open. The hub's goroutine must keep running its loop (no
//     greenlet of it may block the goroutine outside the hub): every wait of a shared socket
//     needs the hub to start its watcher. When the hub is destroyed, its shared sockets are
//     closed (reaper); later calls fail with ErrClosed.
type shared struct {
	lock    [2]chan struct{} // per direction: holds a token while a call of that direction runs
	dl      [2]deadline
	timer   [2]*time.Timer // per direction, used by the lock holder only
	arm     [2]func()      // posted to the hub to wait for readiness
	ready   [2]chan struct{}
	closing <-chan struct{}
}

// deadline is a shared socket's deadline for one direction.
type deadline struct {
	at      atomic.Int64 // UnixNano; 0: none
	mu      sync.Mutex
	changed chan struct{} // closed and dropped by set; made by the waiter that needs it
}

// set stores t and wakes the goroutine waiting under the old deadline.
func (d *deadline) set(t time.Time) {
	var ns int64
	if !t.IsZero() {
		ns = max(t.UnixNano(), 1) // a time before 1970 has passed: any non-zero value will do
	}
	d.at.Store(ns)
	d.mu.Lock()
	if d.changed != nil {
		close(d.changed)
		d.changed = nil
	}
	d.mu.Unlock()
}

// watch returns a channel closed at the next set, then the deadline (0: none): read in this
// order, no set can be missed.
func (d *deadline) watch() (<-chan struct{}, int64) {
	d.mu.Lock()
	if d.changed == nil {
		d.changed = make(chan struct{})
	}
	ch := d.changed
	d.mu.Unlock()
	return ch, d.at.Load()
}

// expired reports whether the deadline passed.
func (d *deadline) expired() bool {
	ns := d.at.Load()
	return ns != 0 && time.Now().UnixNano() >= ns
}

// share makes fd goroutine-safe (idempotent). It may run on any goroutine: the KeepAlive is
// taken on the hub (attach), at once when the caller is on the hub, else posted.
func (fd *netFD) share() {
	if fd.sh.Load() != nil {
		return
	}
	sh := &shared{closing: fd.ref.closingCh()}
	for dir, ev := range [2]int{cev.EV_READ, cev.EV_WRITE} {
		sh.lock[dir] = make(chan struct{}, 1)
		sh.ready[dir] = make(chan struct{}, 1)
		sh.arm[dir] = func() { fd.armFor(ev) }
	}
	if !fd.sh.CompareAndSwap(nil, sh) {
		return // another goroutine shared it first
	}
	// Read by the hub only once a wait posted to it (after this), so the Post orders it.
	fd.r.ready, fd.w.ready = sh.ready[dirRead], sh.ready[dirWrite]
	register(fd)
	if fd.hub.OnHub() {
		fd.attach()
	} else if fd.hub.Post(fd.attach) != nil {
		fd.abandon()
	}
}

// attach takes the hub's KeepAlive for a shared socket. On the hub.
func (fd *netFD) attach() {
	if fd.ref.isClosing() || fd.release != nil {
		return
	}
	fd.release = fd.hub.KeepAlive()
}

// armFor is the hub side of a goroutine's wait for ev: start the watcher, which notifies the
// side's ready channel when it fires. A watcher that cannot start (the fd is gone) notifies at
// once: the goroutine's next system call reports the error.
func (fd *netFD) armFor(ev int) {
	if fd.ref.isClosing() {
		return
	}
	s := fd.sideFor(ev)
	if err := s.startIO(fd, ev); err != nil {
		s.notify()
		return
	}
	s.goWait = true
}

// lockDir takes the direction's lock, queueing behind the call that holds it; it gives up with
// ErrClosed when the socket closes.
func (sh *shared) lockDir(dir int) error {
	select {
	case sh.lock[dir] <- struct{}{}:
		return nil
	case <-sh.closing:
		return ErrClosed
	}
}

func (sh *shared) unlockDir(dir int) { <-sh.lock[dir] }

// ioShared runs op, one non-blocking system call, for a goroutine under the direction's lock:
// it retries on EINTR and, on EAGAIN, waits for readiness (or the deadline, Close, ctx) and tries
// again. The deadline is looked at before every try.
func (fd *netFD) ioShared(ctx context.Context, dir int, op func() error) error {
	if scheduler.CurrentHub() != nil {
		// A hub callback: greenlets were sent through RunBlocking before getting here.
		return scheduler.ErrNotGreenlet
	}
	sh := fd.sh.Load()
	if err := sh.lockDir(dir); err != nil {
		return err
	}
	defer sh.unlockDir(dir)
	for {
		if sh.dl[dir].expired() {
			return ErrTimeout
		}
		if fd.hub.Destroyed() {
			// The reaper closes the fd soon; no call may get through before.
			return ErrClosed
		}
		if !fd.ref.incref() {
			return ErrClosed
		}
		err := op()
		fd.ref.decref()
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := fd.waitShared(ctx, dir); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// waitShared blocks the calling goroutine until the hub reports the direction ready, its
// deadline passes or changes (nil: the caller looks again), the socket closes, or ctx ends.
func (fd *netFD) waitShared(ctx context.Context, dir int) error {
	sh := fd.sh.Load()
	changed, ns := sh.dl[dir].watch()
	var expire <-chan time.Time
	if ns != 0 {
		d := time.Until(time.Unix(0, ns))
		if d <= 0 {
			return ErrTimeout
		}
		t := sh.timer[dir]
		if t == nil {
			t = time.NewTimer(d)
			sh.timer[dir] = t
		} else {
			t.Reset(d)
		}
		defer t.Stop()
		expire = t.C
	}
	select { // a token left by an earlier wait: the system call just said EAGAIN
	case <-sh.ready[dir]:
	default:
	}
	if err := fd.hub.Post(sh.arm[dir]); err != nil {
		return ErrClosed // the hub is gone: so is the socket (see reaper)
	}
	select {
	case <-sh.ready[dir]:
		return nil
	case <-changed:
		return nil
	case <-sh.closing:
		return ErrClosed
	case <-expire:
		return ErrTimeout
	case <-ctx.Done():
		return scheduler.ContextError(ctx)
	}
}

// sleepShared parks the goroutine for d (Accept's back-off); Close and the read deadline end it.
func (fd *netFD) sleepShared(d time.Duration) error {
	sh := fd.sh.Load()
	until := time.Now().Add(d)
	for {
		changed, ns := sh.dl[dirRead].watch()
		wake, err := until, error(nil)
		if ns != 0 && ns < until.UnixNano() {
			wake, err = time.Unix(0, ns), ErrTimeout
		}
		t := time.NewTimer(time.Until(wake))
		select {
		case <-t.C:
			return err
		case <-changed:
			t.Stop()
		case <-sh.closing:
			t.Stop()
			return ErrClosed
		}
	}
}

// setDeadlineShared sets a shared socket's deadlines; Set*Deadline from any goroutine.
func (fd *netFD) setDeadlineShared(t time.Time, read, write bool) error {
	if fd.ref.isClosing() || fd.hub.Destroyed() {
		return ErrClosed
	}
	sh := fd.sh.Load()
	if read {
		sh.dl[dirRead].set(t)
	}
	if write {
		sh.dl[dirWrite].set(t)
	}
	return nil
}

// control runs a system call that never blocks (setsockopt, shutdown) from any goroutine of a
// shared socket, holding an fd reference.
func (fd *netFD) control(op func() error) error {
	if !fd.ref.incref() {
		return ErrClosed
	}
	defer fd.ref.decref()
	return op()
}

// offload reports whether a call of a shared socket that may block comes from a greenlet and
// must run through scheduler.RunBlocking (so that the greenlet's hub keeps running).
func (fd *netFD) offload() bool {
	if fd == nil || fd.sh.Load() == nil {
		return false
	}
	h := scheduler.CurrentHub()
	return h != nil && !h.InHub()
}

// runBlocking runs fn, a call of a shared socket made from a greenlet, on a goroutine of its own
// while the greenlet waits cooperatively.
func runBlocking[T any](fn func() (T, error)) (T, error) {
	return scheduler.RunBlocking(context.Background(), fn)
}

// The reaper closes the shared sockets of a hub that is destroyed: nothing else would (their
// users are goroutines the hub does not know), and their waits need the hub. One goroutine per
// hub with shared sockets, which ends with the last of them or with the hub.
var reapers struct {
	mu sync.Mutex
	m  map[*scheduler.Hub]*reaper
}

type reaper struct {
	fds  map[*netFD]struct{}
	quit chan struct{}
}

// register adds a shared socket to its hub's reaper.
func register(fd *netFD) {
	reapers.mu.Lock()
	defer reapers.mu.Unlock()
	if reapers.m == nil {
		reapers.m = make(map[*scheduler.Hub]*reaper)
	}
	r := reapers.m[fd.hub]
	if r == nil {
		r = &reaper{fds: make(map[*netFD]struct{}), quit: make(chan struct{})}
		reapers.m[fd.hub] = r
		go r.run(fd.hub)
	}
	r.fds[fd] = struct{}{}
}

// unregister removes a closed shared socket from its hub's reaper.
func unregister(fd *netFD) {
	reapers.mu.Lock()
	defer reapers.mu.Unlock()
	r := reapers.m[fd.hub]
	if r == nil {
		return
	}
	delete(r.fds, fd)
	if len(r.fds) == 0 {
		delete(reapers.m, fd.hub)
		close(r.quit)
	}
}

func (r *reaper) run(h *scheduler.Hub) {
	select {
	case <-r.quit:
	case <-h.Done():
		reapers.mu.Lock()
		fds := r.fds
		r.fds = nil
		if reapers.m[h] == r {
			delete(reapers.m, h)
		}
		reapers.mu.Unlock()
		for fd := range fds {
			fd.abandon()
		}
	}
}
