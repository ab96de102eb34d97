package server_test

import (
	"bytes"
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

// TestDatagramServerUnixgramWhole: a DatagramServer on a unix datagram socket hands its handler
// every datagram whole, however long (one of 100000 bytes was cut to MaxDatagram, 65535,
// without a word), and short ones as they are.
func TestDatagramServerUnixgramWhole(t *testing.T) {
	path := t.TempDir() + "/d.sock"
	big := bytes.Repeat([]byte("0123456789abcdef"), 100000/16)
	require.NoError(t, scheduler.Main(func() error {
		var got [][]byte
		s, err := server.ListenPacket("unixgram", path, func(_ *server.DatagramServer, data []byte, _ net.Addr) error {
			got = append(got, data)
			return nil
		}, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		c, err := socket.Dial("unixgram", path)
		require.NoError(t, err)
		defer c.Close()
		for _, m := range [][]byte{big, []byte("short"), big[:server.MaxDatagram+1]} {
			_, err := c.Write(m)
			require.NoError(t, err)
		}
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return len(got) == 3 }))
		assert.Equal(t, len(big), len(got[0]), "not cut")
		assert.True(t, bytes.Equal(big, got[0]), "whole and intact")
		assert.Equal(t, "short", string(got[1]))
		assert.Equal(t, server.MaxDatagram+1, len(got[2]))
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
}
