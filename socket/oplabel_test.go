package socket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// TestKilledWithASocketErrorNamesItsOwnOp: a call waiting on a socket, killed with an error
// that is itself a *net.OpError (errPeerReset, another socket's read), or timed out by a
// scheduler.Timeout made with one, returned what was thrown in bare, naming that other call;
// now its error is the *net.OpError of its own op and socket, which matches the thrown error.
func TestKilledWithASocketErrorNamesItsOwnOp(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer pc.Close()
		sa, sb := sharedSocketpair(t)
		defer sa.Close()
		defer sb.Close()
		buf := make([]byte, 1)
		calls := []struct {
			name, op string
			local    net.Addr
			call     func() error
		}{
			{"Conn.Read", "read", a.LocalAddr(), func() error { _, err := a.Read(buf); return err }},
			{"Listener.Accept", "accept", ln.Addr(), func() error { _, err := ln.Accept(); return err }},
			{"PacketConn.ReadFrom", "read", pc.LocalAddr(), func() error { _, _, err := pc.ReadFrom(buf); return err }},
			{"shared Conn.Read", "read", sa.LocalAddr(), func() error { _, err := sa.Read(buf); return err }},
		}
		for _, c := range calls {
			g := scheduler.Spawn(func() (error, error) { return c.call(), nil })
			require.NoError(t, scheduler.Sleep(bg, 0), c.name) // g waits
			require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), errPeerReset), c.name)
			assertOwnOpError(t, c.name+" killed", g.Value(), c.op, c.local, c.name == "Listener.Accept", errPeerReset)

			g = scheduler.Spawn(func() (error, error) {
				tm := scheduler.NewTimeout(ms, errPeerReset)
				if err := tm.Start(); err != nil {
					return nil, err
				}
				defer tm.Cancel()
				return c.call(), nil
			})
			got, err := g.Get(testctx.Within(t, 5*time.Second))
			require.NoError(t, err, c.name)
			assertOwnOpError(t, c.name+" timed out", got, c.op, c.local, c.name == "Listener.Accept", errPeerReset)
		}
		return nil
	})
}

// assertOwnOpError asserts that err is the *net.OpError of op on the socket bound to local and
// matches want; a listener's has local as Addr and no Source, as package net's.
func assertOwnOpError(t *testing.T, what string, err error, op string, local net.Addr, listener bool, want error) {
	t.Helper()
	assert.ErrorIs(t, err, want, what)
	oe, ok := err.(*net.OpError)
	if assert.True(t, ok, "%s: %T %v is not a *net.OpError", what, err, err) {
		assert.Equal(t, op, oe.Op, what)
		if listener {
			assert.Nil(t, oe.Source, what)
			assert.Equal(t, local, oe.Addr, what)
		} else {
			assert.Equal(t, local, oe.Source, what)
		}
	}
}

// TestListenerErrorsHaveNetsShape: a Listener's errors are shaped as package net's listener's
// (its local address as Addr, no Source), so that code printing or inspecting a net.Listener's
// errors reads ours alike. They had the local address as Source, as a Conn's.
func TestListenerErrorsHaveNetsShape(t *testing.T) {
	ref, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ref.Close())
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		require.NoError(t, ln.Close())
		_, ourAccept := ln.Accept()
		_, netAccept := ref.Accept()
		ourClose, netClose := ln.Close(), ref.Close()
		for _, c := range []struct {
			name     string
			our, ref error
			local    net.Addr
		}{
			{"Accept", ourAccept, netAccept, ln.Addr()},
			{"Close", ourClose, netClose, ln.Addr()},
		} {
			want, ok := c.ref.(*net.OpError)
			require.True(t, ok, "%s: package net's %T %v", c.name, c.ref, c.ref)
			require.Nil(t, want.Source, "%s: package net's", c.name)
			require.NotNil(t, want.Addr, "%s: package net's", c.name)
			assertOwnOpError(t, c.name, c.our, want.Op, c.local, true, net.ErrClosed)
		}
		return nil
	})
}

// TestListenContextDeadlineDuringLookup: a Listen or ListenPacket whose context deadline passes
// while it looks its host name up fails with scheduler.ContextError's error, as a dial does:
// from a goroutine (a shared socket's), the lookup's own error (ctx.Err(), or package net's
// *net.DNSError) used to come back instead, which matched context.DeadlineExceeded but not
// scheduler.ErrTimeout.
func TestListenContextDeadlineDuringLookup(t *testing.T) {
	stubLookup(t)
	h, _ := hubOnGoroutine(t)
	lc := socket.ListenConfig{Hub: h}
	_, err := lc.Listen(testctx.Within(t, 20*ms), "tcp", "slow.invalid:0")
	assertListenTimeout(t, "Listen", err)
	_, err = lc.ListenPacket(testctx.Within(t, 20*ms), "udp", "slow.invalid:0")
	assertListenTimeout(t, "ListenPacket", err)
}

func assertListenTimeout(t *testing.T, what string, err error) {
	t.Helper()
	assert.ErrorIs(t, err, scheduler.ErrTimeout, what)
	assert.ErrorIs(t, err, context.DeadlineExceeded, what)
	var oe *net.OpError
	if assert.ErrorAs(t, err, &oe, what) {
		assert.Equal(t, "listen", oe.Op, what)
	}
}

// TestDialFromAnotherHubIsOneOpError: a dial with Dialer.Hub from a greenlet of another hub,
// which dials on a goroutine, wrapped the dial's *net.OpError in a second one ("dial tcp: dial
// tcp 127.0.0.1:1: connect: ...") without the remote address; it now fails with the same
// single *net.OpError as a dial from a goroutine, and errors.Is still matches the cause.
func TestDialFromAnotherHubIsOneOpError(t *testing.T) {
	h, stop := hubOnGoroutine(t)
	defer stop()
	d := socket.Dialer{Hub: h}
	const refused = "127.0.0.1:1"
	_, direct := d.DialContext(testctx.Within(t, 5*time.Second), "tcp", refused)
	require.ErrorIs(t, direct, syscall.ECONNREFUSED)
	run(t, func() error {
		_, err := d.DialContext(testctx.Within(t, 5*time.Second), "tcp", refused)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		assert.Equal(t, direct.Error(), err.Error())
		var oe *net.OpError
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, "dial", oe.Op)
		assert.Equal(t, "tcp", oe.Net)
		assert.Equal(t, refused, fmt.Sprint(oe.Addr), "the remote address")
		var inner *net.OpError
		assert.False(t, errors.As(oe.Err, &inner), "one *net.OpError: %v", err)
		return nil
	})
}

// TestSetAndHalfCloseErrorsHaveNetsShape: after Close, the deadline and buffer setters and the
// half-closes fail with package net's *net.OpError, field for field, as a net.TCPConn,
// net.UnixConn and net.UDPConn side by side do: Set*Deadline and Set*Buffer have no Source and
// the local address as Addr (ours had the local address as Source and the remote one as Addr),
// and CloseWrite and CloseRead have Op "close" (ours had "shutdown"). SetNoDelay keeps the
// connection's shape, as package net's does.
func TestSetAndHalfCloseErrorsHaveNetsShape(t *testing.T) {
	tcpLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer tcpLn.Close()
	netTCP, err := net.Dial("tcp", tcpLn.Addr().String())
	require.NoError(t, err)
	unixPath := localAddress(t, "unix")
	unixLn, err := net.Listen("unix", unixPath)
	require.NoError(t, err)
	defer unixLn.Close()
	netUnix, err := net.Dial("unix", unixPath)
	require.NoError(t, err)
	netUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	for _, c := range []io.Closer{netTCP, netUnix, netUDP} {
		require.NoError(t, c.Close())
	}
	run(t, func() error {
		ourTCP, err := socket.Dial("tcp", tcpLn.Addr().String())
		require.NoError(t, err)
		ourUnix, err := socket.Dial("unix", unixPath)
		require.NoError(t, err)
		ourUDP, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		sharedUDP, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		sharedUDP.Shared()
		for _, c := range []io.Closer{ourTCP, ourUnix, ourUDP, sharedUDP} {
			require.NoError(t, c.Close())
		}
		type setters interface {
			SetDeadline(time.Time) error
			SetReadDeadline(time.Time) error
			SetWriteDeadline(time.Time) error
			SetReadBuffer(int) error
			SetWriteBuffer(int) error
		}
		sets := func(s setters) map[string]error {
			return map[string]error{
				"SetDeadline":      s.SetDeadline(time.Time{}),
				"SetReadDeadline":  s.SetReadDeadline(time.Time{}),
				"SetWriteDeadline": s.SetWriteDeadline(time.Time{}),
				"SetReadBuffer":    s.SetReadBuffer(4096),
				"SetWriteBuffer":   s.SetWriteBuffer(4096),
			}
		}
		type halfCloser interface {
			CloseWrite() error
			CloseRead() error
		}
		halves := func(h halfCloser) map[string]error {
			return map[string]error{"CloseWrite": h.CloseWrite(), "CloseRead": h.CloseRead()}
		}
		noDelay := func(c interface{ SetNoDelay(bool) error }) map[string]error {
			return map[string]error{"SetNoDelay": c.SetNoDelay(true)}
		}
		for _, p := range []struct {
			name     string
			our, ref net.Conn
			ourErrs  map[string]error
			refErrs  map[string]error
		}{
			{"tcp", ourTCP, netTCP, sets(ourTCP.(setters)), sets(netTCP.(setters))},
			{"tcp", ourTCP, netTCP, halves(ourTCP.(halfCloser)), halves(netTCP.(halfCloser))},
			{"tcp", ourTCP, netTCP, noDelay(ourTCP.(*socket.Conn)), noDelay(netTCP.(*net.TCPConn))},
			{"unix", ourUnix, netUnix, halves(ourUnix.(halfCloser)), halves(netUnix.(halfCloser))},
			{"udp", ourUDP, netUDP.(net.Conn), sets(ourUDP), sets(netUDP.(setters))},
			{"shared udp", sharedUDP, netUDP.(net.Conn), sets(sharedUDP), sets(netUDP.(setters))},
		} {
			for call, refErr := range p.refErrs {
				what := p.name + " " + call
				var want *net.OpError
				require.ErrorAs(t, refErr, &want, what)
				require.ErrorIs(t, refErr, net.ErrClosed, what)
				var got *net.OpError
				if !assert.ErrorAs(t, p.ourErrs[call], &got, what) {
					continue
				}
				assert.ErrorIs(t, got, net.ErrClosed, what)
				assert.Equal(t, want.Op, got.Op, what)
				assert.Equal(t, want.Net, got.Net, what)
				// The fields hold the same kinds of address (each socket has its own).
				assert.Equal(t, want.Source == nil, got.Source == nil, "%s: Source %v", what, got.Source)
				assert.Equal(t, want.Addr == nil, got.Addr == nil, "%s: Addr %v", what, got.Addr)
				if want.Addr != nil && got.Addr != nil {
					local := want.Addr == p.ref.LocalAddr()
					assert.Equal(t, local, got.Addr == p.our.LocalAddr(), "%s: Addr %v is the local address", what, got.Addr)
				}
			}
		}
		return nil
	})
}
