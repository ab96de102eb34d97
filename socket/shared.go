package socket

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// A shared socket is one that goroutines use: Shared, a Dialer or ListenConfig with Hub set, or
// Accept on a shared Listener made it. Its calls follow package net's rules (internal/poll):
//
//   - Who calls what: any goroutine calls any method. A call that may block (Read, Write,
//     ReadFrom, WriteTo, ReadMsgUnix, WriteMsgUnix, Accept) runs on the calling goroutine; from
//     a greenlet (of any hub) it runs through scheduler.RunBlocking so that the greenlet's hub
//     keeps running; from a hub callback it is refused with ErrNotGreenlet, as any blocking
//     call there.
//   - Serialisation: concurrent reads (Read, ReadFrom, ReadMsgUnix, Accept) queue on the read
//     lock, concurrent writes on the write lock; a read and a write run at the same time. A
//     queued call gives up when the socket closes.
//   - Waiting: sharing registers the fd with Go's network poller as well (an *os.File made by
//     os.NewFile on it, which libev's epoll does not mind: each poller has its own registration).
//     The system call is made directly by the calling goroutine (the fd is non-blocking), inside
//     the file's RawConn, whose reference keeps the fd open (fdRef closes it through the file);
//     on EAGAIN the goroutine parks in Go's poller, as a net.Conn's does, and tries again when
//     it wakes. The hub takes no part in a goroutine's wait: a hand-off through the hub (a Post
//     to arm a libev watcher, a channel send back) cost two thread wake-ups per wait.
//   - Deadlines are the file's (Go's poller enforces them on waits and on the calls made inside
//     RawConn); a copy is kept for the calls made outside it (ioShared looks at it before each
//     try, so a passed deadline fails a call that would not block, as in package net) and for
//     Accept's back-off.
//   - Close (any goroutine): markClosing wakes every queued goroutine and, by setting the file's
//     deadlines in the past, every goroutine parked in the poller, which then fails with
//     ErrClosed; the teardown on the hub frees the watchers and drops the base reference; the
//     last reference closes the file (so close(2) runs once no system call and no wait holds
//     the fd); Close from a goroutine returns after close(2).
//   - The hub: a shared socket holds the hub's KeepAlive until its teardown, so the hub never
//     ends in LoopExit while one is open, and its teardown runs on the hub. When the hub is
//     destroyed, its shared sockets are closed (reaper); later calls fail with ErrClosed.
type shared struct {
	lock [2]chan struct{} // per direction: holds a token while a call of that direction runs
	dl   [2]deadline      // a copy of the file's deadlines, for the calls made outside RawConn
	file *os.File         // the fd in Go's poller; the last fd reference closes it (fdRef)
	rc   syscall.RawConn  // file's
	// Per direction, used by the holder of its lock. Read and Write make their system calls
	// inside RawConn through rw (made once, so a call allocates nothing): buf is what they read
	// or write, n how much went, err what stopped them. Other calls wait through ready, which
	// looks at readiness with poll(2) (pfd) before its first wait; polled says it did.
	rw      [2]func(uintptr) bool
	ready   [2]func(uintptr) bool
	buf     [2][]byte
	n       [2]int
	err     [2]error
	pfd     [2][1]PollFD
	polled  [2]bool
	kept    keptRead    // what a read abandoned by its greenlet got, for the next read
	keptFDs atomic.Bool // kept held descriptors once (keepMsg): a Close must close them
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

// shareMu makes sharing one fd happen once: a second os.File on the fd would close it when
// collected.
var shareMu sync.Mutex

// share makes fd goroutine-safe (idempotent). It may run on any goroutine: the KeepAlive is
// taken on the hub (attach), at once when the caller is on the hub, else posted. A socket
// already closing is left as it is (its calls fail with ErrClosed).
func (fd *netFD) share() {
	shareMu.Lock()
	defer shareMu.Unlock()
	if fd.sh.Load() != nil || !fd.ref.incref() {
		return
	}
	// Go's poller takes the file only if it is non-blocking when made: a copy of the descriptor
	// may have cleared O_NONBLOCK (File's contract), which FileConn sets again too.
	if err := syscall.SetNonblock(fd.sysfd, true); err != nil {
		fd.ref.decref()
		fd.abandon()
		return
	}
	// The reference keeps the fd number ours while the file is made on it.
	f := os.NewFile(uintptr(fd.sysfd), "socket")
	fd.ref.file.Store(f)
	fd.ref.decref()
	rc, err := f.SyscallConn()
	if err != nil {
		fd.abandon()
		return
	}
	sh := &shared{closing: fd.ref.closingCh(), file: f, rc: rc}
	for dir, ev := range [2]int16{PollIn, PollOut} {
		sh.lock[dir] = make(chan struct{}, 1)
		sh.pfd[dir][0] = PollFD{Fd: int32(fd.sysfd), Events: ev}
		sh.ready[dir] = func(uintptr) bool { return sh.isReady(dir) }
	}
	sh.rw[dirRead] = func(uintptr) bool { return fd.rwOnce(sh, dirRead) }
	sh.rw[dirWrite] = func(uintptr) bool { return fd.rwOnce(sh, dirWrite) }
	fd.sh.Store(sh)
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
	fd.release, _ = fd.hub.KeepAlive() // attach runs on the hub: cannot be refused
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
// it retries on EINTR and, on EAGAIN, parks in Go's poller until the fd is ready (or the
// deadline passes, or the socket closes) and tries again. op runs outside RawConn, holding an fd
// reference, so that it does not escape (callers share it with their greenlet path); the price
// is one poll(2) per wait (see isReady). Read and Write take readShared and writeShared, the
// datagram receives (ReadFrom, ReadDatagram) recvShared and recvWholeShared, which look at what
// an abandoned read kept and then run their op through ioLocked.
func (fd *netFD) ioShared(dir int, op func() error) error {
	sh, err := fd.lockShared(dir)
	if err != nil {
		return err
	}
	defer sh.unlockDir(dir)
	return fd.ioLocked(sh, dir, op)
}

// ioLocked is ioShared's loop, under the direction's lock.
func (fd *netFD) ioLocked(sh *shared, dir int, op func() error) error {
	for {
		if sh.dl[dir].expired() {
			return ErrTimeout
		}
		if fd.hub.Destroyed() || !fd.ref.incref() {
			// The reaper closes the fd soon; no call may get through before.
			return ErrClosed
		}
		err := op()
		fd.ref.decref()
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := fd.waitShared(sh, dir); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// lockShared checks that the caller may block and takes the direction's lock.
func (fd *netFD) lockShared(dir int) (*shared, error) {
	if scheduler.CurrentHub() != nil {
		// A hub callback: greenlets were sent through RunBlocking before getting here.
		return nil, scheduler.ErrNotGreenlet
	}
	sh := fd.sh.Load()
	if err := sh.lockDir(dir); err != nil {
		return nil, err
	}
	return sh, nil
}

// waitShared parks the goroutine in Go's poller until the direction is ready. Under the
// direction's lock.
func (fd *netFD) waitShared(sh *shared, dir int) error {
	sh.polled[dir] = false
	if err := sh.raw(dir, sh.ready[dir]); err != nil {
		return fd.pollErr(err)
	}
	return nil
}

// raw runs f in the file's RawConn for direction dir: RawConn.Read or RawConn.Write.
func (sh *shared) raw(dir int, f func(uintptr) bool) error {
	if dir == dirRead {
		return sh.rc.Read(f)
	}
	return sh.rc.Write(f)
}

// isReady is sh.ready[dir]: the first time, poll(2) says whether the direction is ready (RawConn
// forgets an edge the poller saw before the wait began); after a wait it reports ready, and the
// caller's next system call finds out.
func (sh *shared) isReady(dir int) bool {
	if sh.polled[dir] {
		return true
	}
	sh.polled[dir] = true
	n, err := ppoll0(sh.pfd[dir][:])
	return err != nil || n > 0
}

// readShared is read(2) into b for a goroutine; a call that finds nothing parks in Go's poller.
func (fd *netFD) readShared(b []byte) (int, error) {
	sh, err := fd.lockShared(dirRead)
	if err != nil {
		return 0, err
	}
	defer sh.unlockDir(dirRead)
	return fd.readLocked(sh, b)
}

// readLocked is a read under the read lock: what a read abandoned by its greenlet kept comes
// first, with no system call (a kept datagram's sender is dropped, as read(2) drops it).
func (fd *netFD) readLocked(sh *shared, b []byte) (int, error) {
	k, err := fd.keptFor(sh)
	if k == nil && err == nil {
		return fd.rwLocked(sh, dirRead, b)
	}
	if err != nil {
		return 0, err
	}
	n, _, err := k.take(b, fd.sotype == syscall.SOCK_STREAM)
	return n, err
}

// keptFor returns, under the read lock, what a read abandoned by its greenlet kept for this one
// (nil: nothing); a socket closing fails first with ErrClosed, and a read deadline that passed
// with ErrTimeout, as a read just made would (what was kept stays).
func (fd *netFD) keptFor(sh *shared) (*keptRead, error) {
	if !sh.kept.set {
		return nil, nil
	}
	if fd.ref.isClosing() || fd.hub.Destroyed() {
		return nil, ErrClosed
	}
	if sh.dl[dirRead].expired() {
		return nil, ErrTimeout
	}
	return &sh.kept, nil
}

// recvShared receives a datagram into b for a goroutine (ReadFrom), truncated to b as by
// recvfrom(2): what an abandoned receive kept comes first, with no system call.
func (fd *netFD) recvShared(b []byte) (int, net.Addr, error) {
	sh, err := fd.lockShared(dirRead)
	if err != nil {
		return 0, nil, err
	}
	defer sh.unlockDir(dirRead)
	k, err := fd.keptFor(sh)
	if err != nil {
		return 0, nil, err
	}
	if k != nil {
		return k.take(b, false)
	}
	var n int
	var sa syscall.Sockaddr
	err = fd.ioLocked(sh, dirRead, func() error {
		var err error
		n, sa, err = syscall.Recvfrom(fd.sysfd, b, syscall.MSG_DONTWAIT)
		return wrapEAGAIN("recvfrom", err)
	})
	if err != nil {
		return 0, nil, err
	}
	return n, fd.sender(sa), nil
}

// recvWholeShared receives the next datagram whole for a goroutine (ReadDatagram).
func (fd *netFD) recvWholeShared() ([]byte, net.Addr, error) {
	sh, err := fd.lockShared(dirRead)
	if err != nil {
		return nil, nil, err
	}
	defer sh.unlockDir(dirRead)
	return fd.recvWholeLocked(sh)
}

// recvWholeLocked receives the next datagram whole (recvWhole) under the read lock: what an
// abandoned receive kept comes first, with no system call. The caller owns the datagram.
func (fd *netFD) recvWholeLocked(sh *shared) ([]byte, net.Addr, error) {
	k, err := fd.keptFor(sh)
	if err != nil {
		return nil, nil, err
	}
	if k != nil {
		return k.takeAll()
	}
	var data []byte
	var sa syscall.Sockaddr
	err = fd.ioLocked(sh, dirRead, func() error {
		var err error
		data, sa, err = recvWhole(fd.sysfd, fd.family == syscall.AF_UNIX)
		return wrapEAGAIN("recvfrom", err)
	})
	if err != nil {
		return nil, nil, err
	}
	return data, fd.sender(sa), nil
}

// sender is the address of a datagram's sender: nil for none (an unnamed unix socket).
func (fd *netFD) sender(sa syscall.Sockaddr) net.Addr {
	if sa == nil {
		return nil
	}
	return sockaddrToAddr(fd.sotype, sa)
}

// writeShared writes all of b for a goroutine, parking in Go's poller while the buffer is full;
// it returns how much went out.
func (fd *netFD) writeShared(b []byte) (int, error) {
	sh, err := fd.lockShared(dirWrite)
	if err != nil {
		return 0, err
	}
	defer sh.unlockDir(dirWrite)
	return fd.rwLocked(sh, dirWrite, b)
}

// rwLocked runs sh.rw[dir] inside RawConn, under the direction's lock; RawConn holds the file's
// reference for the system calls: no fd reference is taken (the file's Close, which is what
// closes the fd, waits for RawConn's; a reference dropped in there by a racing Close would wait
// for itself).
func (fd *netFD) rwLocked(sh *shared, dir int, b []byte) (int, error) {
	sh.buf[dir], sh.n[dir] = b, 0
	err := sh.raw(dir, sh.rw[dir])
	n := sh.n[dir]
	sh.buf[dir] = nil
	if err != nil {
		return n, fd.pollErr(err)
	}
	err, sh.err[dir] = sh.err[dir], nil
	return n, err
}

// keptRead is what a read abandoned by its greenlet got (readFor): bytes, or the end of the
// stream (no bytes, no error), or an error; on a datagram socket, one whole datagram and its
// sender (or an error), and the ancillary data of an abandoned ReadMsgUnix. The next read or
// receive of the socket (Read, ReadFrom, ReadDatagram, ReadMsgUnix) returns it first. Under the
// read lock.
type keptRead struct {
	data  []byte
	oob   []byte   // ancillary data an abandoned ReadMsgUnix received (keepMsg)
	flags int      // that recvmsg's flags
	from  net.Addr // a datagram's sender
	err   error
	set   bool
}

// keep stores what an abandoned read got. A deadline that passed, or a Close, is not kept: the
// next read finds out for itself. When something is still kept, the abandoned read took the
// first part of it (a stream's kept bytes longer than its buffer): what it took goes back in
// front of the rest.
func (k *keptRead) keep(data []byte, from net.Addr, err error) {
	if k.set {
		k.data = append(data[:len(data):len(data)], k.data...)
		return
	}
	if len(data) == 0 && (errors.Is(err, ErrTimeout) || errors.Is(err, ErrClosed)) {
		return
	}
	*k = keptRead{data: data, from: from, err: err, set: true}
}

// take returns what was kept as a read into b would: on a stream what b cannot hold stays kept;
// a datagram longer than b is truncated, as a read of it would be, and the rest of it dropped.
// Kept ancillary data is dropped, its descriptors closed, as the kernel does for a read with
// no room for them.
func (k *keptRead) take(b []byte, stream bool) (int, net.Addr, error) {
	closeRights(k.oob)
	k.oob, k.flags = nil, 0
	if len(k.data) == 0 {
		from, err := k.from, k.err
		*k = keptRead{}
		return 0, from, err
	}
	n := copy(b, k.data)
	from := k.from
	k.data = k.data[n:]
	if !stream || len(k.data) == 0 {
		*k = keptRead{}
	}
	return n, from, nil
}

// takeAll returns a kept datagram whole (the caller owns it), its sender and error; its
// ancillary data is dropped as by take.
func (k *keptRead) takeAll() ([]byte, net.Addr, error) {
	closeRights(k.oob)
	data, from, err := k.data, k.from, k.err
	*k = keptRead{}
	return data, from, err
}

// readHandoff is a read of a shared socket made for a greenlet (readOffloaded, recvOffloaded),
// between the greenlet and the goroutine that makes it: under mu, whichever of the two comes
// second decides who owns the result.
type readHandoff struct {
	mu     sync.Mutex
	buf    *[]byte  // a stream's read: the goroutine's own buffer, len(b) bytes
	data   []byte   // what the read got, once done: in buf, or a whole datagram
	from   net.Addr // a datagram's sender
	done   bool     // the read returned and handed its result to the greenlet
	gaveUp bool     // the greenlet returned without the result
}

// readOffloaded is a read of a shared socket from a greenlet (Read): see recvOffloaded.
func (fd *netFD) readOffloaded(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, fd.control(func() error { return nil })
	}
	n, _, err := fd.recvFromOffloaded(b)
	return n, err
}

// recvFromOffloaded is a read or a datagram receive into b from a greenlet (Read, ReadFrom): a
// datagram longer than b is truncated, as by recvfrom(2).
func (fd *netFD) recvFromOffloaded(b []byte) (int, net.Addr, error) {
	h, err := fd.recvOffloaded(len(b))
	if h == nil {
		return 0, nil, err
	}
	n := copy(b, h.data)
	if h.buf != nil {
		putBuf(h.buf)
	}
	return n, h.from, err
}

// recvOffloaded is a read of a shared socket from a greenlet: it runs through RunBlocking, on a
// goroutine (readFor), into a buffer of that goroutine's: size bytes on a stream, a whole
// datagram (recvWhole) on a datagram socket. When the greenlet waits to the end, it gets the
// hand-off, whose data the caller copies into its buffer (or, a datagram, owns). When it gives
// up first (killed, a scheduler.Timeout), it gets nil, the goroutine keeps what it then reads
// (with a datagram's sender) on the socket for the next read or receive, and the caller's buffer
// is never touched after it returns; if the result came in the same instant as the kill, it is
// returned with the kill's error (n > 0 with an error, as io.Reader allows).
func (fd *netFD) recvOffloaded(size int) (*readHandoff, error) {
	h := &readHandoff{}
	if fd.sotype == syscall.SOCK_STREAM {
		h.buf = getBuf(size)
	}
	_, err := runBlocking(func() (int, error) { return fd.readFor(h) })
	h.mu.Lock()
	done := h.done
	h.gaveUp = !done
	h.mu.Unlock()
	if !done {
		return nil, err
	}
	return h, err
}

// readFor is recvOffloaded's goroutine: the read and, under the read lock (so that no later read
// overtakes it), the hand-off of its result, or keeping it on the socket.
func (fd *netFD) readFor(h *readHandoff) (int, error) {
	sh, err := fd.lockShared(dirRead)
	if err != nil {
		return 0, err
	}
	defer sh.unlockDir(dirRead)
	var data []byte
	var from net.Addr
	if h.buf != nil {
		var n int
		n, err = fd.readLocked(sh, *h.buf)
		data = (*h.buf)[:n]
	} else {
		data, from, err = fd.recvWholeLocked(sh)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gaveUp {
		sh.kept.keep(data, from, err) // the buffer is the socket's now
		return len(data), err
	}
	h.data, h.from, h.done = data, from, true
	return len(data), err
}

// writeOffloaded is a write of a shared socket from a greenlet: write runs through RunBlocking,
// on a goroutine, from a copy of b, so that a greenlet that gives up first (killed, a
// scheduler.Timeout) may reuse b at once. What the write then sends is unknown to it, as after
// a net.Conn write that failed.
func writeOffloaded(b []byte, write func([]byte) (int, error)) (int, error) {
	cp := getBuf(len(b))
	copy(*cp, b)
	return runBlocking(func() (int, error) {
		defer putBuf(cp)
		return write(*cp)
	})
}

// maxPooled is the largest buffer offloaded reads and writes return to bufs.
const maxPooled = 1 << 20

// bufs holds the buffers of offloaded reads and writes.
var bufs sync.Pool

// getBuf returns a buffer of n bytes from bufs.
func getBuf(n int) *[]byte {
	if p, _ := bufs.Get().(*[]byte); p != nil && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]byte, n)
	return &b
}

// putBuf returns a buffer to bufs.
func putBuf(p *[]byte) {
	if cap(*p) <= maxPooled {
		bufs.Put(p)
	}
}

// stopShared reports, inside RawConn, whether the socket closed under a call.
func (fd *netFD) stopShared(sh *shared, dir int) bool {
	if fd.ref.isClosing() || fd.hub.Destroyed() {
		sh.err[dir] = ErrClosed
		return true
	}
	return false
}

// rwOnce is sh.rw[dir]: read(2) once, or write(2) until all of the buffer went (at least one
// call, so an empty datagram goes out); done unless the socket was empty or full (EAGAIN).
func (fd *netFD) rwOnce(sh *shared, dir int) bool {
	b := sh.buf[dir]
	for !fd.stopShared(sh, dir) {
		var n int
		var err error
		if dir == dirRead {
			n, err = sysRead(fd.sysfd, b)
		} else {
			n, err = sysWrite(fd.sysfd, b[sh.n[dir]:])
		}
		if n > 0 {
			sh.n[dir] += n
		}
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case nil:
			if dir == dirWrite && sh.n[dir] < len(b) {
				continue
			}
		default:
			sh.err[dir] = wrapErrno([2]string{"read", "write"}[dir], err)
		}
		return true
	}
	return true
}

// pollErr is the error of a wait in Go's poller that failed: the socket closed under it, or
// its deadline passed.
func (fd *netFD) pollErr(err error) error {
	switch {
	case fd.ref.isClosing() || fd.hub.Destroyed():
		return ErrClosed
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ErrTimeout
	}
	return err
}

// wakeShared wakes every goroutine parked in Go's poller on a shared socket that is closing:
// each finds the socket closing and fails with ErrClosed.
func (fd *netFD) wakeShared() {
	if sh := fd.sh.Load(); sh != nil {
		_ = sh.file.SetDeadline(time.Unix(1, 0))
	}
}

// waitConnectShared parks the goroutine in Go's poller until the connecting socket is
// writable, or ctx ends.
func (fd *netFD) waitConnectShared(ctx context.Context) error {
	sh, err := fd.lockShared(dirWrite)
	if err != nil {
		return err
	}
	defer sh.unlockDir(dirWrite)
	stop := context.AfterFunc(ctx, fd.wakeShared)
	err = fd.waitShared(sh, dirWrite)
	if !stop() {
		// ctx ended (the wake may still be on its way): the dial fails and closes the socket.
		return scheduler.ContextError(ctx)
	}
	return err
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
	var err error
	switch {
	case read && write:
		err = sh.file.SetDeadline(t)
	case read:
		err = sh.file.SetReadDeadline(t)
	case write:
		err = sh.file.SetWriteDeadline(t)
	}
	if err != nil {
		return fd.pollErr(err)
	}
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

// runBlockingOwned is scheduler.RunBlocking for fn that makes a socket (Accept, a dial): the
// caller owns what fn returns. When RunBlocking gives up first (the greenlet killed, a
// scheduler.Timeout, ctx), fn goes on and its result is dropped; a socket made then is closed
// here, by fn's goroutine or by the caller, whichever comes second, instead of being left open
// with its fd (and, shared, the hub's KeepAlive).
func runBlockingOwned[T io.Closer](ctx context.Context, fn func() (T, error)) (T, error) {
	var (
		mu       sync.Mutex
		gaveUp   bool // the caller returned without fn's result
		finished bool // fn returned
		made     T    // what fn made, when it did
		ok       bool // made is set
	)
	v, err := scheduler.RunBlocking(ctx, func() (T, error) {
		v, err := fn()
		mu.Lock()
		finished = true
		if err == nil && gaveUp {
			mu.Unlock()
			_ = v.Close()
			var zero T
			return zero, err
		}
		made, ok = v, err == nil
		mu.Unlock()
		return v, err
	})
	if err != nil {
		mu.Lock()
		gaveUp = true
		// fn made it but its result came too late for the caller.
		closeIt := finished && ok
		mu.Unlock()
		if closeIt {
			_ = made.Close()
		}
	}
	return v, err
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
