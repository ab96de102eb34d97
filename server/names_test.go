package server_test

import (
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

// Regression: a connection's handler greenlet had the generic name "Greenlet-<n>" in the hub's
// reports (its failure, the blocking detector, LoopExit). It is named after its client now,
// "server handler <remote address>", on TCP over IPv4 and IPv6 and on a unix socket (whose
// unnamed client's address is "@"); its failure's report says so.
func TestStreamHandlerNamedAfterClient(t *testing.T) {
	cases := []struct{ network, address string }{
		{"tcp", "127.0.0.1:0"},
		{"tcp", "[::1]:0"},
		{"unix", t.TempDir() + "/s.sock"},
	}
	for _, tc := range cases {
		require.NoError(t, scheduler.Main(func() error {
			var reported []error
			collectErrors(&reported)
			name := ""
			s, err := server.Listen(tc.network, tc.address, func(*socket.Conn) error {
				name = scheduler.GetCurrent().Name()
				return assert.AnError
			}, server.Options{})
			if tc.address == "[::1]:0" && err != nil {
				t.Logf("no IPv6 loopback: %v", err)
				return nil
			}
			require.NoError(t, err)
			require.NoError(t, s.Start())
			c, err := socket.Dial(tc.network, s.Addr().String())
			require.NoError(t, err)
			defer c.Close()
			want := "server handler " + c.LocalAddr().String()
			if tc.network == "unix" {
				want = "server handler @"
			}
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return len(reported) > 0 }))
			assert.Equal(t, want, name, tc.network+" "+tc.address)
			var ge *scheduler.GreenletError
			require.ErrorAs(t, reported[0], &ge)
			assert.Equal(t, want, ge.Greenlet)
			return s.Shutdown(testctx.Within(t, 5*time.Second))
		}))
	}
}

// The name of a handler greenlet whose connection has an address of another kind, or none,
// still says what it serves.
func TestStreamHandlerNameOtherAddresses(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{nil, "server handler (unknown address)"},
		{(*net.TCPAddr)(nil), "server handler <nil>"},
		{&net.TCPAddr{Port: 80}, "server handler :80"},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 80, Zone: "lo"}, "server handler [fe80::1%lo]:80"},
		{&net.UnixAddr{Name: "/run/client.sock", Net: "unix"}, "server handler /run/client.sock"},
	} {
		assert.Equal(t, tc.want, server.HandlerName(tc.addr))
	}
}
