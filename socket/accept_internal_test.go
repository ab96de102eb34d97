package socket

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
)

// A network error pending on one connection (accept(2) names ENETDOWN, EPROTO, EHOSTUNREACH...
// and says to retry) fails accept4 for that connection only: Accept skips it and returns the
// next one, as it skips an aborted connection. It used to return the error, which ends a
// StreamServer.
func TestAcceptSkipsAPendingConnectionError(t *testing.T) {
	real := sysAccept4
	defer func() { sysAccept4 = real }()
	failed := false
	sysAccept4 = func(fd, flags int) (int, syscall.Sockaddr, error) {
		nfd, sa, err := real(fd, flags)
		if err == nil && !failed { // the first connection dies with a network error
			failed = true
			_ = syscall.Close(nfd)
			return -1, nil, syscall.EPROTO
		}
		return nfd, sa, err
	}
	require.NoError(t, scheduler.Main(func() error {
		ln, err := Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		for range 2 {
			c, err := net.Dial("tcp", ln.Addr().String()) // connect completes in the backlog
			require.NoError(t, err)
			defer c.Close()
		}
		c, err := ln.AcceptConn()
		require.NoError(t, err)
		assert.True(t, failed)
		return c.Close()
	}))
}

// A shared Listener's Accept from a goroutine, when the hub is destroyed between accept4 and
// sharing the new connection, fails with ErrClosed: the connection could not be shared and its
// descriptor went back to the system. It returned that closed Conn with a nil error.
func TestSharedAcceptAtDestroyFails(t *testing.T) {
	h, endHub := hubToEnd(t)
	lc := ListenConfig{Hub: h}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String()) // connect completes in the backlog
	require.NoError(t, err)
	defer c.Close()
	real := sysAccept4
	defer func() { sysAccept4 = real }()
	sysAccept4 = func(fd, flags int) (int, syscall.Sockaddr, error) {
		nfd, sa, err := real(fd, flags)
		if err == nil { // the hub ends before the connection is shared
			endHub()
		}
		return nfd, sa, err
	}
	got, err := ln.Accept()
	assert.ErrorIs(t, err, ErrClosed)
	assert.Nil(t, got)
}

// A shared dial from a goroutine, when the hub is destroyed before the new socket is shared,
// fails with ErrClosed: share gave the descriptor back, and bind, connect and getsockopt ran on
// its number, which another open could have taken meanwhile (here the connect failed with EBADF).
func TestSharedDialAtDestroyFails(t *testing.T) {
	target, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer target.Close()
	h, endHub := hubToEnd(t)
	real := LookupHost
	defer func() { LookupHost = real }()
	LookupHost = func(context.Context, string) ([]netip.Addr, error) {
		endHub() // the hub ends while the dial looks its host up
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	_, port, err := net.SplitHostPort(target.Addr().String())
	require.NoError(t, err)
	d := Dialer{Hub: h}
	c, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort("ends.invalid", port))
	assert.ErrorIs(t, err, ErrClosed)
	assert.Nil(t, c)
}

// A shared dial from a goroutine, when the hub is destroyed while connect(2) runs (it completes
// at once on a Unix socket), fails with ErrClosed and leaves no descriptor, as every call on a
// shared socket of a destroyed hub does (the reaper closes it). The dial returned the Conn with
// a nil error, whose every call then failed with ErrClosed, after reading its local address
// with no reference held, from a number the reaper could have closed and another open taken.
func TestSharedDialDestroyedDuringConnectFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	target, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer target.Close()
	fdsBefore := openFDs(t)
	h, endHub := hubToEnd(t)
	real := sysConnect
	defer func() { sysConnect = real }()
	sysConnect = func(fd int, sa syscall.Sockaddr) error {
		err := real(fd, sa)
		endHub() // the hub ends while the dial connects
		return err
	}
	d := Dialer{Hub: h}
	c, err := d.DialContext(context.Background(), "unix", path)
	assert.ErrorIs(t, err, ErrClosed)
	if !assert.Nil(t, c) {
		t.Logf("local address %v", c.LocalAddr())
		_ = c.Close()
	}
	assert.Equal(t, fdsBefore, openFDs(t))
}

// hubToEnd runs a hub on a goroutine of its own and returns it with endHub, which ends it
// (Main returns) and waits until it is destroyed; a hook of the code under test calls it.
func hubToEnd(t *testing.T) (h *scheduler.Hub, endHub func()) {
	hc, stopc, done := make(chan *scheduler.Hub, 1), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- scheduler.Main(func() error {
			hc <- scheduler.CurrentHub()
			_, err := scheduler.RunBlocking(context.Background(), func() (struct{}, error) { <-stopc; return struct{}{}, nil })
			return err
		})
	}()
	return <-hc, func() {
		close(stopc)
		require.NoError(t, <-done)
	}
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}
