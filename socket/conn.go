package socket

import (
	"context"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

// sock holds what every socket type shares and implements the methods they all have, which
// each type declares itself (methods.go). A zero sock (fd nil) fails every call with errZero.
type sock struct {
	fd *netFD
}

// fdNum is Fd: -1 for a zero socket.
func (s *sock) fdNum() int {
	if s.fd == nil {
		return -1
	}
	return s.fd.sysfd
}

// local is LocalAddr: nil for a zero socket.
func (s *sock) local() net.Addr {
	if s.fd == nil {
		return nil
	}
	return s.fd.laddr
}

// remote is RemoteAddr: nil for an unconnected or zero socket.
func (s *sock) remote() net.Addr {
	if s.fd == nil {
		return nil
	}
	return s.fd.raddr
}

// close is Close.
func (s *sock) close() error {
	if s.fd == nil {
		return s.opErr("close", errZero)
	}
	return s.opErr("close", s.fd.Close())
}

// setBuffer sets SO_RCVBUF or SO_SNDBUF (opt).
func (s *sock) setBuffer(opt, bytes int) error {
	return s.setErr(s.controlErr(func(sysfd int) error {
		return wrapErrno("setsockopt", syscall.SetsockoptInt(sysfd, syscall.SOL_SOCKET, opt, bytes))
	}))
}

func (s *sock) setDeadline(t time.Time, read, write bool) error {
	return s.setErr(s.setDeadlineErr(t, read, write))
}

// setDeadlineErr is setDeadline's bare error.
func (s *sock) setDeadlineErr(t time.Time, read, write bool) error {
	fd := s.fd
	if fd == nil {
		return errZero
	}
	if fd.sh.Load() != nil {
		return fd.setDeadlineShared(t, read, write)
	}
	if err := fd.checkHub(); err != nil {
		return err
	}
	if read {
		if err := fd.setDeadline(&fd.r, t); err != nil {
			return err
		}
	}
	if write {
		return fd.setDeadline(&fd.w, t)
	}
	return nil
}

// control runs op, a system call that never blocks, holding a reference on the fd: from any
// goroutine for a shared socket, from the hub otherwise.
func (s *sock) control(opName string, op func(sysfd int) error) error {
	return s.opErr(opName, s.controlErr(op))
}

// controlErr is control's bare error.
func (s *sock) controlErr(op func(sysfd int) error) error {
	fd := s.fd
	if fd == nil {
		return errZero
	}
	if fd.sh.Load() == nil {
		if err := fd.checkHub(); err != nil {
			return err
		}
	}
	return fd.control(func() error { return op(fd.sysfd) })
}

// opErr wraps err in the *net.OpError of op on this socket. An error that already is that one
// (the call, offloaded to a goroutine, made it itself) is returned as it is; any other error
// is wrapped, a *net.OpError among them: what was thrown into the greenlet (a kill's error, a
// Timeout's) may be another socket's error, which must not pass for this call's.
func (s *sock) opErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.fd == nil {
		return ownOpError(op, "", nil, nil, err)
	}
	if s.fd.listening { // package net's listener errors
		return s.localErr(op, err)
	}
	return ownOpError(op, s.fd.network, s.fd.laddr, s.fd.raddr, err)
}

// setErr wraps err in the *net.OpError of a deadline or buffer setter, which package net shapes
// as a listener's error whatever the socket (localErr).
func (s *sock) setErr(err error) error { return s.localErr("set", err) }

// localErr wraps err in the *net.OpError of op in the shape package net gives a listener's
// errors and every socket's setters and raw control: no Source, the local address as Addr.
func (s *sock) localErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.fd == nil {
		return ownOpError(op, "", nil, nil, err)
	}
	return ownOpError(op, s.fd.network, nil, s.fd.laddr, err)
}

// ownOpError is opError, except that err is returned as it is when it already is that
// *net.OpError (see opErr).
func ownOpError(op, network string, source, addr net.Addr, err error) error {
	// The socket's addresses are nil or pointers (sockaddrToAddr), so comparing them with
	// whatever addresses a foreign error holds cannot panic.
	if oe, ok := err.(*net.OpError); ok && oe.Op == op && oe.Net == network &&
		oe.Source == source && oe.Addr == addr {
		return err
	}
	return opError(op, network, source, addr, err)
}

// read is the read(2) loop shared by Conn and PacketConn.
func (s *sock) read(b []byte) (int, error) {
	fd := s.fd
	if fd == nil {
		return 0, errZero
	}
	if fd.sh.Load() != nil {
		if len(b) == 0 {
			return 0, fd.control(func() error { return nil })
		}
		return fd.readShared(b)
	}
	n := 0
	op := func() error {
		var err error
		n, err = sysRead(fd.sysfd, b)
		return wrapEAGAIN("read", err)
	}
	if err := fd.checkWait(); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	if err := fd.waitIfDrained(); err != nil {
		return 0, err
	}
	if err := fd.ioPlain(context.Background(), cev.EV_READ, "socket read", op); err != nil {
		return 0, err
	}
	// Only a stream is emptied by a read that returned less than asked: a datagram (or a
	// SOCK_SEQPACKET message) shorter than b says nothing of the ones queued behind it.
	fd.r.drained = n < len(b) && fd.sotype == syscall.SOCK_STREAM
	return n, nil
}

// waitIfDrained waits before a read when the last one emptied the socket and the watcher left
// active has not fired since: nothing arrived as far as the loop knows, so the read that would
// fail with EAGAIN is saved. If data did arrive after the last poll, the level-triggered watcher
// fires in the next iteration: a wrong guess costs a hub turn.
func (fd *netFD) waitIfDrained() error {
	if !fd.r.drained || fd.r.io == nil || !fd.r.io.IsActive() || fd.r.expired() {
		return nil
	}
	return fd.wait(context.Background(), cev.EV_READ, time.Time{}, "socket read")
}

// wrapEAGAIN names call in a system call's error, leaving the errnos the loops act on (EAGAIN,
// EINTR) bare.
func wrapEAGAIN(call string, err error) error {
	if err == nil || err == syscall.EAGAIN || err == syscall.EINTR {
		return err
	}
	return wrapErrno(call, err)
}

// write is the write(2) loop: it writes all of b (at least one write(2), so an empty datagram
// goes out) or fails, and returns how much went out.
func (s *sock) write(b []byte) (int, error) {
	fd := s.fd
	if fd == nil {
		return 0, errZero
	}
	if fd.sh.Load() != nil {
		return fd.writeShared(b)
	}
	done := 0
	op := func() error {
		for {
			n, err := sysWrite(fd.sysfd, b[done:])
			if n > 0 {
				done += n
			}
			if err != nil {
				return wrapEAGAIN("write", err)
			}
			if done == len(b) {
				return nil
			}
		}
	}
	if err := fd.checkWait(); err != nil {
		return 0, err
	}
	err := fd.ioPlain(context.Background(), cev.EV_WRITE, "socket write", op)
	return done, err
}

// Conn is a connected stream socket (TCP or Unix): net.Conn, plus half-close. A Conn belongs to
// the hub it was made on: its methods are for that hub's greenlets (Close, LocalAddr and
// RemoteAddr from anywhere) until Shared makes it goroutine-safe. The zero Conn fails every call
// with an error matching ErrBadFD and net.ErrClosed.
type Conn struct {
	sock
}

var _ net.Conn = (*Conn)(nil)

// Read reads up to len(b) bytes, blocking only the calling greenlet (or, once shared, the
// calling goroutine); it returns io.EOF once the peer closed its side.
func (c *Conn) Read(b []byte) (int, error) {
	if c == nil {
		return 0, errNilSocket("read")
	}
	var n int
	var err error
	if c.fd.offload() {
		n, err = c.fd.readOffloaded(b)
	} else {
		n, err = c.read(b)
	}
	if err != nil {
		return n, c.opErr("read", err)
	}
	if n == 0 && len(b) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of b, blocking only the calling greenlet (or goroutine) while the socket
// buffer is full. On error it returns how many bytes were written.
func (c *Conn) Write(b []byte) (int, error) {
	if c == nil {
		return 0, errNilSocket("write")
	}
	if c.fd.offload() {
		n, err := writeOffloaded(b, c.write)
		return n, c.opErr("write", err)
	}
	n, err := c.write(b)
	return n, c.opErr("write", err)
}

// CloseWrite shuts down the writing side (shutdown(SHUT_WR)): the peer reads io.EOF. Its
// errors have Op "close", as package net's.
func (c *Conn) CloseWrite() error { return c.shutdown(syscall.SHUT_WR) }

// CloseRead shuts down the reading side (shutdown(SHUT_RD)). Its errors have Op "close", as
// package net's.
func (c *Conn) CloseRead() error { return c.shutdown(syscall.SHUT_RD) }

func (c *Conn) shutdown(how int) error {
	if c == nil {
		return errNilSocket("close")
	}
	return c.control("close", func(sysfd int) error {
		return wrapErrno("shutdown", syscall.Shutdown(sysfd, how))
	})
}

// SetNoDelay sets TCP_NODELAY (Nagle off when true). Accepted and dialed TCP connections start
// with it on, as in package net.
func (c *Conn) SetNoDelay(noDelay bool) error {
	if c == nil {
		return errNilSocket("set")
	}
	v := 0
	if noDelay {
		v = 1
	}
	return c.control("set", func(sysfd int) error {
		return wrapErrno("setsockopt", syscall.SetsockoptInt(sysfd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, v))
	})
}

// Shared makes c goroutine-safe, for good, and returns it as a net.Conn: from then on every
// method may be called from any goroutine with package net's semantics (see the package doc).
// Shared itself may be called from any goroutine; call it before goroutines use c. On a socket
// whose hub is destroyed (which does not close it) it returns a net.Conn whose calls fail with
// an error naming their op and matching scheduler.ErrHubDestroyed, and whose Close closes the
// socket, as c.Close does: close one of them (after which its errors match net.ErrClosed too).
// Its addresses are c's. On a nil Conn its calls fail with an error matching
// scheduler.ErrNilArgument.
func (c *Conn) Shared() net.Conn {
	if c == nil {
		return failed{}
	}
	if err := c.share(); err != nil {
		return failed{s: &c.sock, cause: err, close: c.Close}
	}
	return c
}

// share makes the socket goroutine-safe (a zero or closed socket stays as it is: its calls
// fail anyway).
func (s *sock) share() error {
	fd := s.fd
	if fd == nil || fd.sh.Load() != nil || fd.ref.isClosing() {
		return nil
	}
	if fd.hub.Destroyed() {
		return scheduler.ErrHubDestroyed
	}
	fd.share()
	return nil
}

// newConn wraps a connected stream fd.
func newConn(fd *netFD) *Conn {
	if fd.family != syscall.AF_UNIX {
		// Small request/response traffic (the common case here) suffers from Nagle.
		_ = syscall.SetsockoptInt(fd.sysfd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	}
	return &Conn{sock{fd}}
}

// Socketpair returns two connected Unix stream sockets (gevent's socket.socketpair) of the
// calling greenlet's hub.
func Socketpair() (*Conn, *Conn, error) {
	h := scheduler.CurrentHub()
	if err := h.Check(); err != nil {
		return nil, nil, opError("socketpair", "unix", nil, nil, err)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, opError("socketpair", "unix", nil, nil, wrapErrno("socketpair", err))
	}
	mk := func(sysfd int) *Conn {
		fd := newFD(h, sysfd, syscall.AF_UNIX, syscall.SOCK_STREAM, "unix")
		fd.laddr = &net.UnixAddr{Name: "", Net: "unix"}
		fd.raddr = &net.UnixAddr{Name: "", Net: "unix"}
		return newConn(fd)
	}
	return mk(fds[0]), mk(fds[1]), nil
}

// failed is what Shared returns when it cannot share: a net.Conn, net.Listener and
// net.PacketConn whose calls fail with an error naming their own op and wrapping why sharing
// failed (cause), and whose Close is the socket's own (a destroyed hub does not close a socket
// that was not shared, so nothing else would close the fd of a caller that keeps only what
// Shared returned). Once the socket is closing its errors match ErrClosed too. For a nil socket
// (s nil) every call fails with errNilSocket.
type failed struct {
	s     *sock
	cause error
	close func() error // the socket's own Close
}

// err is the error of op.
func (f failed) err(op string) error {
	if f.s == nil {
		return errNilSocket(op)
	}
	wrap := f.s.opErr
	if op == "set" {
		wrap = func(_ string, err error) error { return f.s.setErr(err) }
	}
	if f.s.fd != nil && f.s.fd.ref.isClosing() {
		return wrap(op, fmt.Errorf("%w (%w)", ErrClosed, f.cause))
	}
	return wrap(op, f.cause)
}

func (f failed) Read([]byte) (int, error)               { return 0, f.err("read") }
func (f failed) Write([]byte) (int, error)              { return 0, f.err("write") }
func (f failed) ReadFrom([]byte) (int, net.Addr, error) { return 0, nil, f.err("read") }
func (f failed) WriteTo([]byte, net.Addr) (int, error)  { return 0, f.err("write") }
func (f failed) Accept() (net.Conn, error)              { return nil, f.err("accept") }
func (f failed) SetDeadline(time.Time) error            { return f.err("set") }
func (f failed) SetReadDeadline(time.Time) error        { return f.err("set") }
func (f failed) SetWriteDeadline(time.Time) error       { return f.err("set") }

// Addr, LocalAddr and RemoteAddr are the socket's (nil for a nil socket): code that logs
// RemoteAddr().String() of any net.Conn must not panic on this one.
func (f failed) Addr() net.Addr { return f.LocalAddr() }

func (f failed) LocalAddr() net.Addr {
	if f.s == nil {
		return nil
	}
	return f.s.local()
}

func (f failed) RemoteAddr() net.Addr {
	if f.s == nil {
		return nil
	}
	return f.s.remote()
}

// Close closes the socket as the socket's own Close does (the fd is closed when it returns; a
// second Close fails with ErrClosed, which here also matches cause).
func (f failed) Close() error {
	if f.s == nil {
		return errNilSocket("close")
	}
	err := f.close()
	if oe, ok := err.(*net.OpError); ok && oe.Err == ErrClosed {
		return f.err("close")
	}
	return err
}
