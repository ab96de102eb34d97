package server_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// unread returns the size of the next datagram waiting in pc's receive queue (0 when none):
// SIOCINQ, which is TIOCINQ's number.
func unread(t *testing.T, pc *socket.PacketConn) int {
	var n int32
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(pc.Fd()), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	require.Zero(t, e)
	return int(n)
}

func TestDatagramServer(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.ListenPacket("udp", "127.0.0.1:0", func(s *server.DatagramServer, data []byte, from net.Addr) error {
			_, err := s.SendTo(append([]byte("re:"), data...), from)
			return err
		}, server.Options{MaxConcurrency: 4})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		assert.ErrorIs(t, s.Start(), server.ErrStarted)
		c := dial(t, s.Addr())
		defer c.Close()
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		for _, m := range []string{"a", "bc"} {
			_, err = c.Write([]byte(m))
			require.NoError(t, err)
			buf := make([]byte, 16)
			n, err := c.Read(buf)
			require.NoError(t, err)
			assert.Equal(t, "re:"+m, string(buf[:n]))
		}
		_, err = s.SendTo([]byte("x"), nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		assert.ErrorIs(t, s.Start(), server.ErrStopped)
		return nil
	}))
}

// Regression, DatagramServer: as TestShutdownWithFullPool, the read loop waiting for a slot.
func TestDatagramShutdownWithFullPool(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var release event.Event
		served, deferred := 0, 0
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		s := startFullDatagram(t, pc, &release, &served, &deferred)
		ctx, cancel := context.WithTimeout(bg, 50*ms)
		defer cancel()
		err = s.Shutdown(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 1, served)
		assert.Equal(t, 1, deferred)
		assert.Equal(t, 0, s.Len())
		return nil
	}))
}

// Regression, DatagramServer: the datagram read but waiting for a slot when the server stops is
// dropped.
func TestDatagramShutdownDropsDatagramWaitingForSlot(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var release event.Event
		served, deferred := 0, 0
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		s := startFullDatagram(t, pc, &release, &served, &deferred)
		stopping := scheduler.Go(func() error { return s.Shutdown(testctx.Within(t, 5*time.Second)) })
		require.NoError(t, scheduler.Sleep(bg, 0)) // Shutdown closes the socket and waits
		release.Set()
		require.NoError(t, stopping.Join(testctx.Within(t, 5*time.Second)))
		require.NoError(t, stopping.Err())
		assert.Equal(t, 1, served)
		return nil
	}))
}

// startFullDatagram serves pc with one slot and a handler that blocks until release is set,
// sends two datagrams, and waits until the read loop took the second and waits for the slot.
func startFullDatagram(t *testing.T, pc *socket.PacketConn, release *event.Event, served, deferred *int) *server.DatagramServer {
	s, err := server.NewDatagram(pc, func(*server.DatagramServer, []byte, net.Addr) error {
		*served++
		defer func() { *deferred++ }()
		return release.Wait(bg)
	}, server.Options{MaxConcurrency: 1})
	require.NoError(t, err)
	require.NoError(t, s.Start())
	c := dial(t, s.Addr())
	defer c.Close()
	for range 2 {
		_, err := c.Write([]byte("x"))
		require.NoError(t, err)
	}
	require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool {
		return s.Len() == 1 && unread(t, pc) == 0
	}))
	return s
}
