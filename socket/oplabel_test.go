package socket_test

import (
	"net"
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
			assertOwnOpError(t, c.name+" killed", g.Value(), c.op, c.local, errPeerReset)

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
			assertOwnOpError(t, c.name+" timed out", got, c.op, c.local, errPeerReset)
		}
		return nil
	})
}

// assertOwnOpError asserts that err is the *net.OpError of op on the socket bound to local and
// matches want.
func assertOwnOpError(t *testing.T, what string, err error, op string, local net.Addr, want error) {
	t.Helper()
	assert.ErrorIs(t, err, want, what)
	oe, ok := err.(*net.OpError)
	if assert.True(t, ok, "%s: %T %v is not a *net.OpError", what, err, err) {
		assert.Equal(t, op, oe.Op, what)
		assert.Equal(t, local, oe.Source, what)
	}
}
