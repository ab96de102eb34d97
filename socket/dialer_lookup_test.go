package socket_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// A Dialer's LookupHost resolves its dials' names, as net.Dialer's Resolver does, without the
// package's LookupHost (which a test otherwise had to replace for the whole process); its error
// ends the dial, and a literal address never reaches it.
func TestDialerLookupHost(t *testing.T) {
	errNoSuchHost := errors.New("not in the table")
	var asked []string
	d := socket.Dialer{LookupHost: func(_ context.Context, host string) ([]netip.Addr, error) {
		asked = append(asked, host)
		if host == "backend.test" {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, errNoSuchHost
	}}
	old := socket.LookupHost
	socket.LookupHost = func(context.Context, string) ([]netip.Addr, error) {
		t.Error("the package's LookupHost was asked")
		return nil, errNoSuchHost
	}
	t.Cleanup(func() { socket.LookupHost = old })

	require.NoError(t, scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		_, port, err := net.SplitHostPort(ln.Addr().String())
		require.NoError(t, err)

		c, err := d.Dial("tcp", net.JoinHostPort("backend.test", port))
		require.NoError(t, err)
		assert.Equal(t, ln.Addr().String(), c.RemoteAddr().String())
		require.NoError(t, c.Close())

		_, err = d.Dial("tcp", net.JoinHostPort("other.test", port))
		assert.ErrorIs(t, err, errNoSuchHost)
		var oe *net.OpError
		assert.ErrorAs(t, err, &oe)

		c, err = d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		require.NoError(t, c.Close())
		return nil
	}))
	assert.Equal(t, []string{"backend.test", "other.test"}, asked)
}
