package socket

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/geventgo/geventgo/cev"
)

// ReadMsgUnix reads a message and its ancillary data (oob: descriptors passed with
// syscall.UnixRights, credentials) from a Unix stream or seqpacket socket, as package net's
// UnixConn.ReadMsgUnix and gevent's recvmsg do, blocking only the calling greenlet (or, once
// shared, the calling goroutine). flags holds recvmsg's MSG_TRUNC and MSG_CTRUNC (ancillary
// data cut to oob; descriptors that did not fit are closed). Received descriptors are
// close-on-exec. It returns io.EOF once the peer closed its side; on a socket that is not a
// Unix one it fails with an error matching syscall.EOPNOTSUPP.
func (c *Conn) ReadMsgUnix(b, oob []byte) (n, oobn, flags int, addr *net.UnixAddr, err error) {
	if c == nil {
		return 0, 0, 0, nil, errNilSocket("read")
	}
	n, oobn, flags, addr, err = c.readMsg(b, oob, "ReadMsgUnix")
	if err != nil {
		return n, oobn, flags, addr, c.opErr("read", err)
	}
	if n == 0 && len(b) > 0 {
		return 0, oobn, flags, addr, io.EOF
	}
	return n, oobn, flags, addr, nil
}

// WriteMsgUnix sends b with the ancillary data oob (sendmsg) on a Unix stream or seqpacket
// socket, as package net's UnixConn.WriteMsgUnix and gevent's sendmsg do, blocking only the
// calling greenlet (or goroutine) while the socket buffer is full. One sendmsg: on a stream n
// may be less than len(b), as with package net. addr is for an unconnected socket: nil sends to
// the peer. On a socket that is not a Unix one it fails with an error matching
// syscall.EOPNOTSUPP.
func (c *Conn) WriteMsgUnix(b, oob []byte, addr *net.UnixAddr) (n, oobn int, err error) {
	if c == nil {
		return 0, 0, errNilSocket("write")
	}
	n, oobn, err = c.writeMsg(b, oob, addr, "WriteMsgUnix")
	return n, oobn, c.opErr("write", err)
}

// ReadMsgUnix reads one datagram and its ancillary data from a unixgram socket (see
// Conn.ReadMsgUnix): a datagram longer than b is truncated with MSG_TRUNC in flags; addr is its
// sender, nil for an unnamed one. On a UDP socket it fails with an error matching
// syscall.EOPNOTSUPP.
func (p *PacketConn) ReadMsgUnix(b, oob []byte) (n, oobn, flags int, addr *net.UnixAddr, err error) {
	if p == nil {
		return 0, 0, 0, nil, errNilSocket("read")
	}
	n, oobn, flags, addr, err = p.readMsg(b, oob, "ReadMsgUnix")
	return n, oobn, flags, addr, p.opErr("read", err)
}

// WriteMsgUnix sends b as one datagram with the ancillary data oob to addr, or to the connected
// peer when addr is nil (see Conn.WriteMsgUnix). On a UDP socket it fails with an error
// matching syscall.EOPNOTSUPP.
func (p *PacketConn) WriteMsgUnix(b, oob []byte, addr *net.UnixAddr) (n, oobn int, err error) {
	if p == nil {
		return 0, 0, errNilSocket("write")
	}
	n, oobn, err = p.writeMsg(b, oob, addr, "WriteMsgUnix")
	return n, oobn, p.opErr("write", err)
}

// unixFD returns the socket's fd when it is a Unix one: method names the call refused on
// another.
func (s *sock) unixFD(method string) (*netFD, error) {
	fd := s.fd
	switch {
	case fd == nil:
		return nil, errZero
	case fd.family != syscall.AF_UNIX:
		return nil, fmt.Errorf("%s on a %s socket: %w", method, fd.network, syscall.EOPNOTSUPP)
	}
	return fd, nil
}

// recvmsg is one recvmsg(2), received descriptors close-on-exec; a failed one received nothing
// (syscall.Recvmsg's n is then -1).
func recvmsg(sysfd int, b, oob []byte) (n, oobn, flags int, sa syscall.Sockaddr, err error) {
	n, oobn, flags, sa, err = syscall.Recvmsg(sysfd, b, oob, syscall.MSG_CMSG_CLOEXEC|syscall.MSG_DONTWAIT)
	if err != nil {
		return 0, 0, 0, nil, wrapEAGAIN("recvmsg", err)
	}
	// Linux echoes MSG_CMSG_CLOEXEC in the flags: a caller testing them for zero must not see it.
	return n, oobn, flags &^ syscall.MSG_CMSG_CLOEXEC, sa, wrapEAGAIN("recvmsg", err)
}

// unixSender is the address a recvmsg names: nil for none or an unnamed Unix socket, as
// package net's ReadMsgUnix returns.
func unixSender(sotype int, sa syscall.Sockaddr) *net.UnixAddr {
	if u, ok := sa.(*syscall.SockaddrUnix); ok && u.Name != "" {
		addr, _ := sockaddrToAddr(sotype, u).(*net.UnixAddr)
		return addr
	}
	return nil
}

// readMsg is ReadMsgUnix: for a greenlet of the hub, a goroutine of a shared socket, or a
// greenlet of a shared socket (through RunBlocking).
func (s *sock) readMsg(b, oob []byte, method string) (n, oobn, flags int, addr *net.UnixAddr, err error) {
	fd, err := s.unixFD(method)
	switch {
	case err != nil:
		return 0, 0, 0, nil, err
	case len(b) == 0 && len(oob) == 0 && fd.sotype == syscall.SOCK_STREAM:
		// As Read: a stream's empty read does not wait.
		if fd.sh.Load() != nil {
			return 0, 0, 0, nil, fd.control(func() error { return nil })
		}
		return 0, 0, 0, nil, fd.checkWait()
	case fd.offload():
		return fd.readMsgOffloaded(b, oob)
	case fd.sh.Load() != nil:
		return fd.readMsgShared(b, oob)
	}
	if err := fd.checkWait(); err != nil {
		return 0, 0, 0, nil, err
	}
	var sa syscall.Sockaddr
	op := func() error {
		var err error
		n, oobn, flags, sa, err = recvmsg(fd.sysfd, b, oob)
		return err
	}
	if err := fd.ioPlain(context.Background(), cev.EV_READ, "socket recvmsg", op); err != nil {
		return 0, 0, 0, nil, err
	}
	return n, oobn, flags, unixSender(fd.sotype, sa), nil
}

// writeMsg is WriteMsgUnix: one sendmsg(2), waited for as a write.
func (s *sock) writeMsg(b, oob []byte, addr *net.UnixAddr, method string) (n, oobn int, err error) {
	fd, err := s.unixFD(method)
	if err != nil {
		return 0, 0, err
	}
	var sa syscall.Sockaddr
	if addr != nil {
		if want := sockaddrToAddr(fd.sotype, &syscall.SockaddrUnix{}).Network(); addr.Net != want {
			return 0, 0, fmt.Errorf("%s to a %q address on a %s socket: %w", method, addr.Net, want, syscall.EAFNOSUPPORT)
		}
		sa = &syscall.SockaddrUnix{Name: addr.Name}
	}
	if fd.offload() {
		return writeMsgOffloaded(b, oob, func(b, oob []byte) (int, int, error) {
			return s.writeMsg(b, oob, addr, method)
		})
	}
	op := func() error {
		var err error
		n, err = syscall.SendmsgN(fd.sysfd, b, oob, sa, syscall.MSG_DONTWAIT)
		return wrapEAGAIN("sendmsg", err)
	}
	if fd.sh.Load() != nil {
		err = fd.ioShared(dirWrite, op)
	} else if err = fd.checkWait(); err == nil {
		err = fd.ioPlain(context.Background(), cev.EV_WRITE, "socket sendmsg", op)
	}
	if err != nil {
		return 0, 0, err
	}
	return n, len(oob), nil
}

// msgResult is what a WriteMsgUnix or ReadMsgUnix offloaded to a goroutine returns.
type msgResult struct {
	n, oobn, flags int
	addr           *net.UnixAddr
}

// writeMsgOffloaded is a WriteMsgUnix of a shared socket from a greenlet: as writeOffloaded, it
// sends copies of b and oob, so that a greenlet that gives up first may reuse them at once. The
// descriptors oob passes are copied too (dupRights), and the copies closed once the write
// returns: a greenlet that gives up may close its descriptors at once, and the goroutine never
// sends whatever file reused one of their numbers meanwhile.
func writeMsgOffloaded(b, oob []byte, write func(b, oob []byte) (int, int, error)) (int, int, error) {
	cb := append([]byte(nil), b...)
	coob, dups, err := dupRights(oob)
	if err != nil {
		return 0, 0, err
	}
	// Whoever comes first closes the copies: the goroutine after its write, or a caller that
	// RunBlocking returned to (refused, killed, timed out) before the goroutine began.
	var owned atomic.Bool
	r, err := runBlocking(func() (msgResult, error) {
		if !owned.CompareAndSwap(false, true) {
			return msgResult{}, ErrClosed // the caller gave up first: nothing is sent
		}
		defer closeFDs(dups)
		n, oobn, err := write(cb, coob)
		return msgResult{n: n, oobn: oobn}, err
	})
	if err != nil && owned.CompareAndSwap(false, true) {
		closeFDs(dups)
	}
	return r.n, r.oobn, err
}

// dupRights returns a copy of oob whose SCM_RIGHTS descriptors are close-on-exec copies of
// oob's, and those copies (the caller closes them). Ancillary data that does not parse is
// copied as it is, for sendmsg to refuse.
func dupRights(oob []byte) ([]byte, []int, error) {
	c := append([]byte(nil), oob...)
	msgs, err := syscall.ParseSocketControlMessage(c)
	if err != nil {
		return c, nil, nil
	}
	var dups []int
	for i := range msgs {
		m := &msgs[i] // m.Data is part of c
		if m.Header.Level != syscall.SOL_SOCKET || m.Header.Type != syscall.SCM_RIGHTS {
			continue
		}
		for j := 0; j+4 <= len(m.Data); j += 4 {
			fd := int32(binary.NativeEndian.Uint32(m.Data[j:]))
			r, err := dupCloexec(int(fd))
			if err != nil {
				closeFDs(dups)
				return nil, nil, err
			}
			dups = append(dups, r)
			binary.NativeEndian.PutUint32(m.Data[j:], uint32(r))
		}
	}
	return c, dups, nil
}

// closeFDs closes descriptors this package made.
func closeFDs(fds []int) {
	for _, fd := range fds {
		_ = syscall.Close(fd)
	}
}

// readMsgShared is a ReadMsgUnix of a shared socket for a goroutine.
func (fd *netFD) readMsgShared(b, oob []byte) (n, oobn, flags int, addr *net.UnixAddr, err error) {
	sh, err := fd.lockShared(dirRead)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	defer sh.unlockDir(dirRead)
	r, _, err := fd.readMsgLocked(sh, b, oob, false)
	return r.n, r.oobn, r.flags, r.addr, err
}

// readMsgLocked is a recvmsg under the read lock: what a read abandoned by its greenlet kept
// comes first, with no system call. whole (a greenlet's ReadMsgUnix of a datagram, made on its
// behalf) grows b to the next datagram's length first, so that an abandoned one is kept whole;
// the data read is returned in what b became.
func (fd *netFD) readMsgLocked(sh *shared, b, oob []byte, whole bool) (msgResult, []byte, error) {
	k, err := fd.keptFor(sh)
	if err != nil {
		return msgResult{}, b, err
	}
	stream := fd.sotype == syscall.SOCK_STREAM
	if k != nil {
		if whole && !stream && len(k.data) > len(b) {
			b = make([]byte, len(k.data))
		}
		r, err := k.takeMsg(b, oob, stream)
		return r, b, err
	}
	var r msgResult
	var sa syscall.Sockaddr
	err = fd.ioLocked(sh, dirRead, func() error {
		if whole && !stream {
			m, _, err := syscall.Recvfrom(fd.sysfd, nil, syscall.MSG_PEEK|syscall.MSG_TRUNC|syscall.MSG_DONTWAIT)
			if err != nil {
				return wrapEAGAIN("recvfrom", err)
			}
			if m > len(b) {
				b = make([]byte, m)
			}
		}
		var err error
		r.n, r.oobn, r.flags, sa, err = recvmsg(fd.sysfd, b, oob)
		return err
	})
	r.addr = unixSender(fd.sotype, sa)
	return r, b, err
}

// msgHandoff is a ReadMsgUnix of a shared socket made for a greenlet (readMsgOffloaded),
// between the greenlet and the goroutine that makes it: as readHandoff.
type msgHandoff struct {
	mu      sync.Mutex
	data    []byte // what the read got, once done
	oob     []byte
	r       msgResult
	done    bool // the read returned and handed its result to the greenlet
	gaveUp  bool // the greenlet returned without the result
	size    int  // the greenlet's len(b)
	oobSize int  // the greenlet's len(oob)
}

// readMsgOffloaded is a ReadMsgUnix of a shared socket from a greenlet: it runs through
// RunBlocking, on a goroutine (readMsgFor), into buffers of that goroutine's. When the greenlet
// gives up first, the goroutine keeps what it then receives, ancillary data included, on the
// socket for the next read (see keptRead), and the caller's buffers are never touched after it
// returns.
func (fd *netFD) readMsgOffloaded(b, oob []byte) (n, oobn, flags int, addr *net.UnixAddr, err error) {
	h := &msgHandoff{size: len(b), oobSize: len(oob)}
	_, err = runBlocking(func() (int, error) { return fd.readMsgFor(h) })
	h.mu.Lock()
	done := h.done
	h.gaveUp = !done
	h.mu.Unlock()
	if !done {
		return 0, 0, 0, nil, err
	}
	r := h.r
	r.n = copy(b, h.data)
	if len(h.data) > len(b) {
		r.flags |= syscall.MSG_TRUNC
	}
	r.oobn = copy(oob, h.oob)
	return r.n, r.oobn, r.flags, r.addr, err
}

// readMsgFor is readMsgOffloaded's goroutine: the recvmsg and, under the read lock, the
// hand-off of its result or keeping it on the socket.
func (fd *netFD) readMsgFor(h *msgHandoff) (int, error) {
	sh, err := fd.lockShared(dirRead)
	if err != nil {
		return 0, err
	}
	defer sh.unlockDir(dirRead)
	oob := make([]byte, h.oobSize)
	r, data, err := fd.readMsgLocked(sh, make([]byte, h.size), oob, true)
	data, oob = data[:r.n], oob[:r.oobn]
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gaveUp {
		sh.kept.keepMsg(data, oob, r, err)
		if len(oob) > 0 {
			sh.keptFDs.Store(true)
			if fd.ref.isClosing() {
				sh.dropKeptLocked() // the Close may have looked before the Store
			}
		}
		return r.n, err
	}
	h.data, h.oob, h.r, h.done = data, oob, r, true
	return r.n, err
}

// dropKept closes the descriptors a closing shared socket keeps for a ReadMsgUnix (an abandoned
// one received them): no read takes them now. It takes the read lock on a goroutine of its own,
// as the holder (woken by the close) lets it go.
func (fd *netFD) dropKept() {
	sh := fd.sh.Load()
	if sh == nil || !sh.keptFDs.Load() {
		return
	}
	go func() {
		sh.lock[dirRead] <- struct{}{}
		sh.dropKeptLocked()
		sh.unlockDir(dirRead)
	}()
}

// dropKeptLocked closes the kept descriptors, under the read lock.
func (sh *shared) dropKeptLocked() {
	closeRights(sh.kept.oob)
	sh.kept.oob = nil
}

// keepMsg stores what an abandoned ReadMsgUnix got, as keep does, with its ancillary data
// (whose descriptors are now the socket's: the next ReadMsgUnix returns them, any other read
// closes them, as the kernel does for a read with no room for them).
func (k *keptRead) keepMsg(data, oob []byte, r msgResult, err error) {
	if len(oob) == 0 {
		var from net.Addr
		if r.addr != nil {
			from = r.addr
		}
		k.keep(data, from, err)
		return
	}
	if k.set {
		// The abandoned read took the first part of kept bytes, with their ancillary data.
		k.data = append(data[:len(data):len(data)], k.data...)
		k.oob, k.flags = oob, r.flags
		return
	}
	*k = keptRead{data: data, oob: oob, flags: r.flags, err: err, set: true}
	if r.addr != nil {
		k.from = r.addr
	}
}

// takeMsg returns what was kept as a recvmsg into b and oob would: the data as take does, the
// ancillary data whole if oob holds it, else none of it (MSG_CTRUNC, its descriptors closed).
func (k *keptRead) takeMsg(b, oob []byte, stream bool) (msgResult, error) {
	kept, r := k.oob, msgResult{flags: k.flags}
	k.oob, k.flags = nil, 0
	if len(kept) <= len(oob) {
		r.oobn = copy(oob, kept)
	} else {
		closeRights(kept)
		r.flags |= syscall.MSG_CTRUNC
	}
	if !stream && len(k.data) > len(b) {
		r.flags |= syscall.MSG_TRUNC
	}
	n, from, err := k.take(b, stream)
	r.n = n
	if a, _ := from.(*net.UnixAddr); a != nil && a.Name != "" {
		r.addr = a
	}
	return r, err
}

// closeRights closes the descriptors that ancillary data carries (SCM_RIGHTS).
func closeRights(oob []byte) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for i := range msgs {
		fds, err := syscall.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		closeFDs(fds)
	}
}
