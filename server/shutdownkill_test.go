package server_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// A Shutdown whose greenlet is killed with context.Canceled while its own context lives is
// killed, as by any other error: the handlers are killed and not waited for, and the kill's
// error comes back. It was taken for the end of Shutdown's context: with a handler that
// survives its kill, Shutdown went on to wait a second for it and then said the handler still
// ran.
func TestShutdownKilledWithCanceledIsAKill(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		stop := false
		s, err := server.Listen("tcp", "127.0.0.1:0", func(*socket.Conn) error {
			for !stop { // survives its kill
				_ = scheduler.Sleep(bg, time.Millisecond)
			}
			return nil
		}, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		c, err := net.Dial("tcp", s.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		for s.Len() == 0 {
			require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
		}
		live, cancel := context.WithCancel(bg)
		defer cancel()
		g := scheduler.Spawn(func() (error, error) { return s.Shutdown(live), nil })
		require.NoError(t, scheduler.Sleep(bg, 0)) // g waits for the handler
		require.False(t, g.Ready())
		require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), context.Canceled))
		err = g.Value()
		var se *server.Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "StreamServer.Shutdown", se.Op)
		assert.Equal(t, context.Canceled, se.Err, "the kill's error, not a report of handlers still running")
		stop = true
		return s.Close()
	}))
}
