package socket_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// fdTarget is what /proc/self/fd says fd refers to ("" once it is closed).
func fdTarget(fd int) string {
	target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return ""
	}
	return target
}

// assertOpErr asserts that err is a *net.OpError of op matching want with errors.Is.
func assertOpErr(t *testing.T, err error, op string, want error) {
	t.Helper()
	var oe *net.OpError
	if assert.ErrorAs(t, err, &oe, op) {
		assert.Equal(t, op, oe.Op, "%v", err)
	}
	assert.ErrorIs(t, err, want, op)
}

// assertFailedShareCloses closes what Shared returned for a socket of a destroyed hub (fd) and
// asserts that the fd is closed (its number no longer refers to the socket), and that a second
// Close and later calls (call, of op) fail with net.ErrClosed, still matching
// scheduler.ErrHubDestroyed.
func assertFailedShareCloses(t *testing.T, c interface{ Close() error }, fd int, op string, call func() error) {
	t.Helper()
	target := fdTarget(fd)
	require.NotEmpty(t, target, "the fd is open before Close")
	require.NoError(t, c.Close())
	assert.NotEqual(t, target, fdTarget(fd), "Close closed the fd")
	for _, want := range []error{net.ErrClosed, scheduler.ErrHubDestroyed} {
		assertOpErr(t, c.Close(), "close", want)
		assertOpErr(t, call(), op, want)
	}
}

// TestSharedOfDestroyedHubConn: Shared of a Conn whose hub is destroyed returns a net.Conn whose
// calls name their own op and match scheduler.ErrHubDestroyed, and whose Close closes the fd.
// Every call named "share", and Close left the fd open (a destroyed hub does not close the
// sockets that were not shared), so code that kept only the net.Conn leaked it.
func TestSharedOfDestroyedHubConn(t *testing.T) {
	before := openFDs(t)
	var a, b *socket.Conn
	run(t, func() error {
		var err error
		a, b, err = socket.Socketpair()
		return err
	})
	c := a.Shared()
	_, err := c.Read(make([]byte, 1))
	assertOpErr(t, err, "read", scheduler.ErrHubDestroyed)
	_, err = c.Write([]byte("x"))
	assertOpErr(t, err, "write", scheduler.ErrHubDestroyed)
	assertOpErr(t, c.SetDeadline(time.Time{}), "set", scheduler.ErrHubDestroyed)
	assertOpErr(t, c.SetReadDeadline(time.Time{}), "set", scheduler.ErrHubDestroyed)
	assertOpErr(t, c.SetWriteDeadline(time.Time{}), "set", scheduler.ErrHubDestroyed)

	assertFailedShareCloses(t, c, a.Fd(), "read", func() error {
		_, err := c.Read(make([]byte, 1))
		return err
	})
	n, err := rawRead(b.Fd())
	assert.NoError(t, err, "the peer sees EOF")
	assert.Zero(t, n)
	assertOpErr(t, a.Close(), "close", net.ErrClosed)
	require.NoError(t, b.Close())
	assertNoNewFDs(t, before)
}

// TestSharedOfDestroyedHubListener: the same for a Listener: Accept names "accept", Close
// closes the fd and removes a unix listener's socket file, as the Listener's own Close does.
func TestSharedOfDestroyedHubListener(t *testing.T) {
	before := openFDs(t)
	path := filepath.Join(t.TempDir(), "sock")
	var ln *socket.Listener
	run(t, func() error {
		var err error
		ln, err = socket.Listen("unix", path)
		return err
	})
	l := ln.Shared()
	_, err := l.Accept()
	assertOpErr(t, err, "accept", scheduler.ErrHubDestroyed)

	assertFailedShareCloses(t, l, ln.Fd(), "accept", func() error {
		_, err := l.Accept()
		return err
	})
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "Close removed the socket file")
	assertNoNewFDs(t, before)
}

// TestSharedOfDestroyedHubPacketConn: the same for a PacketConn: ReadFrom and WriteTo name
// "read" and "write", as package net's do.
func TestSharedOfDestroyedHubPacketConn(t *testing.T) {
	before := openFDs(t)
	var pc *socket.PacketConn
	run(t, func() error {
		var err error
		pc, err = socket.ListenPacket("udp", "127.0.0.1:0")
		return err
	})
	p := pc.Shared()
	_, _, err := p.ReadFrom(make([]byte, 1))
	assertOpErr(t, err, "read", scheduler.ErrHubDestroyed)
	_, err = p.WriteTo([]byte("x"), pc.LocalAddr())
	assertOpErr(t, err, "write", scheduler.ErrHubDestroyed)
	assertOpErr(t, p.SetDeadline(time.Time{}), "set", scheduler.ErrHubDestroyed)

	assertFailedShareCloses(t, p, pc.Fd(), "write", func() error {
		_, err := p.WriteTo([]byte("x"), pc.LocalAddr())
		return err
	})
	assertNoNewFDs(t, before)
}

// TestSharedOfDestroyedHubKeepsAddresses: what Shared returns for a socket of a destroyed hub
// reports the socket's addresses. It returned nil ones, and net/http's server, like much code
// that logs a connection, calls RemoteAddr().String().
func TestSharedOfDestroyedHubKeepsAddresses(t *testing.T) {
	var ln *socket.Listener
	var c, s *socket.Conn
	run(t, func() error {
		var err error
		if ln, err = socket.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
		dc, err := socket.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		c, _ = dc.(*socket.Conn)
		ac, err := ln.Accept()
		s, _ = ac.(*socket.Conn)
		return err
	})
	require.NotNil(t, c)
	require.NotNil(t, s)
	l, cc := ln.Shared(), c.Shared()
	assert.Equal(t, ln.Addr().String(), l.Addr().String())
	assert.Equal(t, c.LocalAddr().String(), cc.LocalAddr().String())
	assert.Equal(t, c.RemoteAddr().String(), cc.RemoteAddr().String())
	assert.Equal(t, s.LocalAddr().String(), cc.RemoteAddr().String())
	for _, x := range []interface{ Close() error }{l, cc, s} {
		require.NoError(t, x.Close())
	}
}

// TestSharedOfNilSocketNamesOps: what Shared returns for a nil socket fails every call with
// its own op and scheduler.ErrNilArgument.
func TestSharedOfNilSocketNamesOps(t *testing.T) {
	c := (*socket.Conn)(nil).Shared()
	_, err := c.Read(nil)
	assertOpErr(t, err, "read", scheduler.ErrNilArgument)
	assertOpErr(t, c.Close(), "close", scheduler.ErrNilArgument)
	_, err = (*socket.Listener)(nil).Shared().Accept()
	assertOpErr(t, err, "accept", scheduler.ErrNilArgument)
	_, err = (*socket.PacketConn)(nil).Shared().WriteTo(nil, nil)
	assertOpErr(t, err, "write", scheduler.ErrNilArgument)
	assert.False(t, errors.Is(err, scheduler.ErrHubDestroyed))
}
