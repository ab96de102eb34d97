package server_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// TestZeroSocketsRefused: a zero socket.Listener or socket.PacketConn (not made by socket) is
// refused by NewStream and NewDatagram with an error matching socket.ErrBadFD: it was taken,
// and Start then panicked naming the loop greenlet after the socket's nil address.
func TestZeroSocketsRefused(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		_, err := server.NewStream(&socket.Listener{}, echo, server.Options{})
		assert.ErrorIs(t, err, socket.ErrBadFD)
		assert.ErrorContains(t, err, "server: NewStream: zero socket")
		_, err = server.NewDatagram(&socket.PacketConn{}, func(*server.DatagramServer, []byte, net.Addr) error {
			return nil
		}, server.Options{})
		assert.ErrorIs(t, err, socket.ErrBadFD)
		assert.ErrorContains(t, err, "server: NewDatagram: zero socket")
		return nil
	}))
}

// TestSendToNilPointerAddress: SendTo given a nil *net.UDPAddr (a non-nil net.Addr) fails with
// an error matching scheduler.ErrNilArgument instead of panicking in the socket's WriteTo.
func TestSendToNilPointerAddress(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.ListenPacket("udp", "127.0.0.1:0", func(*server.DatagramServer, []byte, net.Addr) error {
			return nil
		}, server.Options{})
		require.NoError(t, err)
		defer s.Close()
		_, err = s.SendTo([]byte("x"), (*net.UDPAddr)(nil))
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		return nil
	}))
}
