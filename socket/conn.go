package socket

import (
	"io"
	"net"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
)

// sock holds what every socket type shares.
type sock struct {
	fd *netFD
}

// Fd returns the socket's file descriptor, for Select, Poll and socket options. It stays owned
// by the socket: do not close it.
func (s *sock) Fd() int { return s.fd.sysfd }

// LocalAddr returns the local address.
func (s *sock) LocalAddr() net.Addr { return s.fd.laddr }

// RemoteAddr returns the peer's address (nil for an unconnected socket).
func (s *sock) RemoteAddr() net.Addr { return s.fd.raddr }

// Close closes the socket and wakes every greenlet blocked on it with net.ErrClosed; closing twice
// returns net.ErrClosed. It may be called from any goroutine (see the package doc).
func (s *sock) Close() error {
	return s.opErr("close", s.fd.Close())
}

// SetDeadline sets the read and write deadlines (net.Conn); the zero time means none.
// Greenlets blocked on the socket now see the new deadline.
func (s *sock) SetDeadline(t time.Time) error {
	if err := s.SetReadDeadline(t); err != nil {
		return err
	}
	return s.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline of reads (and of Accept on a listener).
func (s *sock) SetReadDeadline(t time.Time) error {
	if err := s.fd.check(); err != nil {
		return s.opErr("set", err)
	}
	return s.opErr("set", s.fd.setDeadline(&s.fd.r, t))
}

// SetWriteDeadline sets the deadline of writes.
func (s *sock) SetWriteDeadline(t time.Time) error {
	if err := s.fd.check(); err != nil {
		return s.opErr("set", err)
	}
	return s.opErr("set", s.fd.setDeadline(&s.fd.w, t))
}

// SetReadBuffer sets SO_RCVBUF.
func (s *sock) SetReadBuffer(bytes int) error {
	if err := s.fd.check(); err != nil {
		return s.opErr("set", err)
	}
	return s.opErr("set", wrapErrno("setsockopt", syscall.SetsockoptInt(s.fd.sysfd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, bytes)))
}

// SetWriteBuffer sets SO_SNDBUF.
func (s *sock) SetWriteBuffer(bytes int) error {
	if err := s.fd.check(); err != nil {
		return s.opErr("set", err)
	}
	return s.opErr("set", wrapErrno("setsockopt", syscall.SetsockoptInt(s.fd.sysfd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, bytes)))
}

func (s *sock) opErr(op string, err error) error {
	return opError(op, s.fd.network, s.fd.laddr, s.fd.raddr, err)
}

// read is the cooperative read(2) loop shared by Conn and PacketConn.
func (s *sock) read(b []byte) (int, error) {
	fd := s.fd
	if err := fd.check(); err != nil {
		return 0, err
	}
	if fd.r.expired() {
		return 0, ErrTimeout
	}
	if fd.r.drained && fd.r.io != nil && fd.r.io.IsActive() {
		// The last read emptied the socket and the watcher left active has not fired since:
		// nothing arrived as far as the loop knows, so wait before reading and save the read
		// that would fail with EAGAIN. If data did arrive after the last poll, the level-
		// triggered watcher fires in the next iteration: a guess that is wrong costs a hub turn.
		if err := fd.wait(cev.EV_READ, time.Time{}, "socket read"); err != nil {
			return 0, err
		}
	}
	for {
		n, err := sysRead(fd.sysfd, b)
		switch err {
		case nil:
			fd.r.drained = n < len(b)
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := fd.wait(cev.EV_READ, time.Time{}, "socket read"); err != nil {
				return 0, err
			}
			continue
		}
		return 0, wrapErrno("read", err)
	}
}

// write is the cooperative write(2) loop: it writes all of b or fails.
func (s *sock) write(b []byte) (int, error) {
	fd := s.fd
	if err := fd.check(); err != nil {
		return 0, err
	}
	if fd.w.expired() {
		return 0, ErrTimeout
	}
	done := 0
	for {
		n, err := sysWrite(fd.sysfd, b[done:])
		if n > 0 {
			done += n
		}
		switch err {
		case nil:
			if done == len(b) {
				return done, nil
			}
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := fd.wait(cev.EV_WRITE, time.Time{}, "socket write"); err != nil {
				return done, err
			}
			continue
		}
		return done, wrapErrno("write", err)
	}
}

// Conn is a connected stream socket (TCP or Unix): net.Conn, plus half-close.
type Conn struct {
	sock
}

var _ net.Conn = (*Conn)(nil)

// Read reads up to len(b) bytes, blocking only the calling greenlet; it returns io.EOF once the
// peer closed its side.
func (c *Conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		if err := c.fd.check(); err != nil {
			return 0, c.opErr("read", err)
		}
		return 0, nil
	}
	n, err := c.read(b)
	if err != nil {
		return n, c.opErr("read", err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of b, blocking only the calling greenlet while the socket buffer is full.
// On error it returns how many bytes were written.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.write(b)
	return n, c.opErr("write", err)
}

// CloseWrite shuts down the writing side (shutdown(SHUT_WR)): the peer reads io.EOF.
func (c *Conn) CloseWrite() error { return c.shutdown(syscall.SHUT_WR) }

// CloseRead shuts down the reading side (shutdown(SHUT_RD)).
func (c *Conn) CloseRead() error { return c.shutdown(syscall.SHUT_RD) }

func (c *Conn) shutdown(how int) error {
	if err := c.fd.check(); err != nil {
		return c.opErr("shutdown", err)
	}
	return c.opErr("shutdown", wrapErrno("shutdown", syscall.Shutdown(c.fd.sysfd, how)))
}

// SetNoDelay sets TCP_NODELAY (Nagle off when true). Accepted and dialed TCP connections start
// with it on, as in package net.
func (c *Conn) SetNoDelay(noDelay bool) error {
	if err := c.fd.check(); err != nil {
		return c.opErr("set", err)
	}
	v := 0
	if noDelay {
		v = 1
	}
	return c.opErr("set", wrapErrno("setsockopt", syscall.SetsockoptInt(c.fd.sysfd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, v)))
}

// newConn wraps a connected stream fd.
func newConn(fd *netFD) *Conn {
	if fd.family != syscall.AF_UNIX {
		// Small request/response traffic (the common case here) suffers from Nagle.
		_ = syscall.SetsockoptInt(fd.sysfd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	}
	return &Conn{sock{fd}}
}

// Socketpair returns two connected Unix stream sockets (gevent's socket.socketpair).
func Socketpair() (*Conn, *Conn, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, opError("socketpair", "unix", nil, nil, wrapErrno("socketpair", err))
	}
	mk := func(sysfd int) *Conn {
		fd := newFD(sysfd, syscall.AF_UNIX, syscall.SOCK_STREAM, "unix")
		fd.laddr = &net.UnixAddr{Name: "", Net: "unix"}
		fd.raddr = &net.UnixAddr{Name: "", Net: "unix"}
		return newConn(fd)
	}
	return mk(fds[0]), mk(fds[1]), nil
}
