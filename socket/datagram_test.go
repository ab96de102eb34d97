package socket_test

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// bigDatagram is a unix datagram longer than any UDP payload.
var bigDatagram = bytes.Repeat([]byte("0123456789abcdef"), 100000/16)

// TestUnixgramBigDatagrams: a unix datagram over 65535 bytes reaches a big enough buffer whole
// through Read and ReadFrom; a smaller buffer gets the start of it and no error, exactly as
// package net's UnixConn does; ReadDatagram returns it whole (and an empty one empty) without a
// buffer from the caller.
func TestUnixgramBigDatagrams(t *testing.T) {
	dir := t.TempDir()
	// What package net does, for the comparison.
	netSrv, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: dir + "/net", Net: "unixgram"})
	require.NoError(t, err)
	defer netSrv.Close()
	netCli, err := net.DialUnix("unixgram", nil, netSrv.LocalAddr().(*net.UnixAddr))
	require.NoError(t, err)
	defer netCli.Close()
	_, err = netCli.Write(bigDatagram)
	require.NoError(t, err)
	netN, _, netErr := netSrv.ReadFrom(make([]byte, 1000))

	run(t, func() error {
		srv, err := socket.ListenPacket("unixgram", dir+"/s")
		require.NoError(t, err)
		defer srv.Close()
		c, err := socket.Dial("unixgram", dir+"/s")
		require.NoError(t, err)
		defer c.Close()
		send := func(b []byte) {
			t.Helper()
			n, err := c.Write(b)
			require.NoError(t, err)
			require.Equal(t, len(b), n)
		}

		send(bigDatagram)
		buf := make([]byte, 2*len(bigDatagram))
		n, err := srv.Read(buf)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(bigDatagram, buf[:n]), "Read into a big enough buffer: %d bytes", n)
		send(bigDatagram)
		n, from, err := srv.ReadFrom(buf)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(bigDatagram, buf[:n]), "ReadFrom into a big enough buffer: %d bytes", n)
		assert.Nil(t, from, "an unnamed sender, as net reports it")

		send(bigDatagram)
		n, _, err = srv.ReadFrom(make([]byte, 1000))
		assert.Equal(t, netN, n, "a short buffer truncates as package net does")
		assert.Equal(t, netErr, err)

		send(bigDatagram)
		send(nil)
		data, _, err := srv.ReadDatagram()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(bigDatagram, data), "ReadDatagram reads it whole: %d bytes", len(data))
		data, _, err = srv.ReadDatagram()
		require.NoError(t, err)
		assert.Empty(t, data, "an empty datagram")
		return nil
	})
}

// udpPair returns a UDP socket on the loopback and one connected to it, both closed when the
// test ends (after their hub: a socket closes from any goroutine).
func udpPair(t *testing.T) (*socket.PacketConn, net.Conn) {
	t.Helper()
	srv, err := socket.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	c, err := socket.Dial("udp", srv.LocalAddr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

// TestReadDatagramUDP: ReadDatagram on UDP returns the datagram in a slice of its own, with the
// sender, on a hub-affine socket and on a shared one.
func TestReadDatagramUDP(t *testing.T) {
	run(t, func() error {
		srv, c := udpPair(t)
		for _, m := range []string{"first", "second datagram"} {
			_, err := c.Write([]byte(m))
			require.NoError(t, err)
		}
		a, from, err := srv.ReadDatagram()
		require.NoError(t, err)
		assert.Equal(t, c.LocalAddr().String(), from.String())
		b, _, err := srv.ReadDatagram()
		require.NoError(t, err)
		assert.Equal(t, "first", string(a), "each datagram has a slice of its own")
		assert.Equal(t, "second datagram", string(b))

		// Shared, from a greenlet (through RunBlocking).
		srv.Shared()
		_, err = c.Write([]byte("third"))
		require.NoError(t, err)
		a, _, err = srv.ReadDatagram()
		require.NoError(t, err)
		assert.Equal(t, "third", string(a))
		return nil
	})
}

// A datagram shorter than the buffer says nothing of the datagrams queued behind it: Reads of a
// burst already queued on a connected UDP socket return without switching to the hub. Before,
// a read that returned less than asked marked the socket emptied, as for a stream, and each
// next Read waited for a loop pass first.
func TestReadQueuedDatagramsWithoutSwitching(t *testing.T) {
	run(t, func() error {
		srv, c := udpPair(t)
		b := make([]byte, 64)
		first := scheduler.Spawn(func() (string, error) { // waits: the watcher is made and left active
			n, err := c.Read(b)
			return string(b[:n]), err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		for _, m := range []string{"a", "b", "c"} {
			_, err := srv.WriteTo([]byte(m), c.LocalAddr())
			require.NoError(t, err)
		}
		got, err := first.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, "a", got)
		h := scheduler.CurrentHub()
		before := h.Stats().Switches
		for _, want := range []string{"b", "c"} {
			n, err := c.Read(b)
			require.NoError(t, err)
			assert.Equal(t, want, string(b[:n]))
		}
		assert.Equal(t, before, h.Stats().Switches, "a Read of a queued datagram switched to the hub")
		return nil
	})
}
