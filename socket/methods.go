package socket

import (
	"net"
	"os"
	"syscall"
	"time"
)

// The methods every socket type has are declared on each type instead of promoted from the
// embedded sock: Go's wrapper for a promoted method dereferences the receiver to reach sock,
// so on a nil *Conn it panicked where package net returns an error. On a nil pointer they fail
// with an error matching scheduler.ErrNilArgument (Fd is -1, the addresses nil). Listener's
// Close, which removes a unix socket file, is in listen.go.

// File returns a copy of the socket's descriptor as an *os.File (package net's File, gevent's
// dup and detach) for a child process (exec.Cmd.ExtraFiles) or another hub (FileConn); closing
// one does not affect the other. The copy stays non-blocking: see the package doc.
// Goroutine-safe.
func (c *Conn) File() (*os.File, error) {
	if c == nil {
		return nil, errNilSocket("file")
	}
	return c.file()
}

// SyscallConn returns a syscall.RawConn over the socket (package net's SyscallConn), for what
// package socket has no method for: Control runs a function on the descriptor (setsockopt and
// getsockopt with package syscall or golang.org/x/sys/unix) and is goroutine-safe; Read and
// Write run one until it reports done, waiting between calls as the socket's own reads and
// writes do, from a greenlet of the socket's hub (from any goroutine once it is shared). After
// Close they fail with an error matching net.ErrClosed.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	if c == nil {
		return nil, errNilSocket("raw-conn")
	}
	return c.syscallConn()
}

// Fd returns the socket's file descriptor, for Select, Poll and socket options; -1 for a zero
// or nil Conn. It stays owned by the socket: do not close it.
func (c *Conn) Fd() int {
	if c == nil {
		return -1
	}
	return c.fdNum()
}

// LocalAddr returns the local address (nil for a zero or nil Conn). Goroutine-safe.
func (c *Conn) LocalAddr() net.Addr {
	if c == nil {
		return nil
	}
	return c.local()
}

// RemoteAddr returns the peer's address (nil for an unconnected, zero or nil Conn).
// Goroutine-safe.
func (c *Conn) RemoteAddr() net.Addr {
	if c == nil {
		return nil
	}
	return c.remote()
}

// Close closes the socket and wakes every greenlet and goroutine blocked on it with an error
// matching net.ErrClosed; closing twice returns such an error too. Goroutine-safe: from a
// goroutine that is not on the socket's hub it returns once the fd is closed (see the package
// doc).
func (c *Conn) Close() error {
	if c == nil {
		return errNilSocket("close")
	}
	return c.close()
}

// SetDeadline sets the read and write deadlines (net.Conn); the zero time means none. Calls
// blocked on the socket now see the new deadline.
func (c *Conn) SetDeadline(t time.Time) error {
	if c == nil {
		return errNilSocket("set")
	}
	return c.setDeadline(t, true, true)
}

// SetReadDeadline sets the deadline of reads; the zero time means none.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c == nil {
		return errNilSocket("set")
	}
	return c.setDeadline(t, true, false)
}

// SetWriteDeadline sets the deadline of writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c == nil {
		return errNilSocket("set")
	}
	return c.setDeadline(t, false, true)
}

// SetReadBuffer sets SO_RCVBUF.
func (c *Conn) SetReadBuffer(bytes int) error {
	if c == nil {
		return errNilSocket("set")
	}
	return c.setBuffer(syscall.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets SO_SNDBUF.
func (c *Conn) SetWriteBuffer(bytes int) error {
	if c == nil {
		return errNilSocket("set")
	}
	return c.setBuffer(syscall.SO_SNDBUF, bytes)
}

// File returns a copy of the socket's descriptor as an *os.File (package net's File, gevent's
// dup and detach) for a child process (exec.Cmd.ExtraFiles) or another hub
// (FileListener); closing one does not affect the other. The copy stays non-blocking: see the
// package doc. Goroutine-safe.
func (l *Listener) File() (*os.File, error) {
	if l == nil {
		return nil, errNilSocket("file")
	}
	return l.file()
}

// SyscallConn returns a syscall.RawConn over the socket: see Conn.SyscallConn. Unlike package
// net's, whose listener's Read and Write fail with EINVAL, Read waits for a pending connection.
func (l *Listener) SyscallConn() (syscall.RawConn, error) {
	if l == nil {
		return nil, errNilSocket("raw-conn")
	}
	return l.syscallConn()
}

// Fd returns the socket's file descriptor, for Select, Poll and socket options; -1 for a zero
// or nil Listener. It stays owned by the socket: do not close it.
func (l *Listener) Fd() int {
	if l == nil {
		return -1
	}
	return l.fdNum()
}

// LocalAddr returns the local address (nil for a zero or nil Listener). Goroutine-safe.
func (l *Listener) LocalAddr() net.Addr {
	if l == nil {
		return nil
	}
	return l.local()
}

// RemoteAddr returns the peer's address (nil for an unconnected, zero or nil Listener).
// Goroutine-safe.
func (l *Listener) RemoteAddr() net.Addr {
	if l == nil {
		return nil
	}
	return l.remote()
}

// SetReadDeadline sets the deadline of Accept; the zero time means none.
func (l *Listener) SetReadDeadline(t time.Time) error {
	if l == nil {
		return errNilSocket("set")
	}
	return l.setDeadline(t, true, false)
}

// SetWriteDeadline sets the deadline of writes.
func (l *Listener) SetWriteDeadline(t time.Time) error {
	if l == nil {
		return errNilSocket("set")
	}
	return l.setDeadline(t, false, true)
}

// SetReadBuffer sets SO_RCVBUF.
func (l *Listener) SetReadBuffer(bytes int) error {
	if l == nil {
		return errNilSocket("set")
	}
	return l.setBuffer(syscall.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets SO_SNDBUF.
func (l *Listener) SetWriteBuffer(bytes int) error {
	if l == nil {
		return errNilSocket("set")
	}
	return l.setBuffer(syscall.SO_SNDBUF, bytes)
}

// File returns a copy of the socket's descriptor as an *os.File (package net's File, gevent's
// dup and detach) for a child process (exec.Cmd.ExtraFiles) or another hub
// (FilePacketConn); closing one does not affect the other. The copy stays non-blocking: see the
// package doc. Goroutine-safe.
func (p *PacketConn) File() (*os.File, error) {
	if p == nil {
		return nil, errNilSocket("file")
	}
	return p.file()
}

// SyscallConn returns a syscall.RawConn over the socket: see Conn.SyscallConn.
func (p *PacketConn) SyscallConn() (syscall.RawConn, error) {
	if p == nil {
		return nil, errNilSocket("raw-conn")
	}
	return p.syscallConn()
}

// Fd returns the socket's file descriptor, for Select, Poll and socket options; -1 for a zero
// or nil PacketConn. It stays owned by the socket: do not close it.
func (p *PacketConn) Fd() int {
	if p == nil {
		return -1
	}
	return p.fdNum()
}

// LocalAddr returns the local address (nil for a zero or nil PacketConn). Goroutine-safe.
func (p *PacketConn) LocalAddr() net.Addr {
	if p == nil {
		return nil
	}
	return p.local()
}

// RemoteAddr returns the peer's address (nil for an unconnected, zero or nil PacketConn).
// Goroutine-safe.
func (p *PacketConn) RemoteAddr() net.Addr {
	if p == nil {
		return nil
	}
	return p.remote()
}

// Close closes the socket and wakes every greenlet and goroutine blocked on it with an error
// matching net.ErrClosed; closing twice returns such an error too. Goroutine-safe: from a
// goroutine that is not on the socket's hub it returns once the fd is closed (see the package
// doc).
func (p *PacketConn) Close() error {
	if p == nil {
		return errNilSocket("close")
	}
	return p.close()
}

// SetDeadline sets the read and write deadlines (net.Conn); the zero time means none. Calls
// blocked on the socket now see the new deadline.
func (p *PacketConn) SetDeadline(t time.Time) error {
	if p == nil {
		return errNilSocket("set")
	}
	return p.setDeadline(t, true, true)
}

// SetReadDeadline sets the deadline of reads; the zero time means none.
func (p *PacketConn) SetReadDeadline(t time.Time) error {
	if p == nil {
		return errNilSocket("set")
	}
	return p.setDeadline(t, true, false)
}

// SetWriteDeadline sets the deadline of writes.
func (p *PacketConn) SetWriteDeadline(t time.Time) error {
	if p == nil {
		return errNilSocket("set")
	}
	return p.setDeadline(t, false, true)
}

// SetReadBuffer sets SO_RCVBUF.
func (p *PacketConn) SetReadBuffer(bytes int) error {
	if p == nil {
		return errNilSocket("set")
	}
	return p.setBuffer(syscall.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets SO_SNDBUF.
func (p *PacketConn) SetWriteBuffer(bytes int) error {
	if p == nil {
		return errNilSocket("set")
	}
	return p.setBuffer(syscall.SO_SNDBUF, bytes)
}
