package socket_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// TestKilledAcceptOnSharedListenerClosesItsConnection: a greenlet's Accept on a shared listener
// runs on a goroutine (RunBlocking); when the greenlet is killed, that goroutine still accepts
// the next connection. It used to be dropped with RunBlocking's result, open, holding an fd
// and the hub's KeepAlive: the client never saw the server end close.
func TestKilledAcceptOnSharedListenerClosesItsConnection(t *testing.T) {
	fds := openFDs(t)
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		sl := ln.Shared()
		defer sl.Close()
		acceptor := scheduler.Spawn(func() (net.Conn, error) { return sl.Accept() })
		require.NoError(t, scheduler.Sleep(bg, 0)) // the acceptor waits in RunBlocking
		require.NoError(t, acceptor.Kill(testctx.Within(t, 5*time.Second), nil))
		require.True(t, acceptor.Dead())
		c, err := socket.Dial("tcp", sl.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		// The killed call's goroutine accepts c's connection and must close it.
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF, "the accepted connection was closed")
		return nil
	})
	assertNoNewFDs(t, fds)
}

// TestKilledDialFromAnotherHubClosesItsConnection: a greenlet of one hub dialing a shared
// connection of another runs the dial on a goroutine (RunBlocking), which goes on when the
// greenlet is killed. Its connection used to be dropped with RunBlocking's result, open: the
// server never saw it close.
func TestKilledDialFromAnotherHubClosesItsConnection(t *testing.T) {
	release := stubLookup(t)
	hA, _ := hubOnGoroutine(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	run(t, func() error {
		dialer := scheduler.Spawn(func() (net.Conn, error) {
			d := socket.Dialer{Hub: hA}
			return d.DialContext(bg, "tcp", net.JoinHostPort("slow.invalid", port))
		})
		require.NoError(t, scheduler.Sleep(bg, 0)) // the dialer waits in RunBlocking
		require.NoError(t, dialer.Kill(testctx.Within(t, 5*time.Second), nil))
		release() // the lookup answers: the killed call's goroutine connects
		peer, err := scheduler.RunBlocking(bg, func() (net.Conn, error) { return ln.Accept() })
		require.NoError(t, err)
		defer peer.Close()
		require.NoError(t, peer.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err = scheduler.RunBlocking(bg, func() (int, error) { return peer.Read(make([]byte, 1)) })
		assert.ErrorIs(t, err, io.EOF, "the dialed connection was closed")
		return nil
	})
}
