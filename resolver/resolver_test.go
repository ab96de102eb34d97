package resolver_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLookups(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ip, err := resolver.GetHostByName("localhost")
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1", ip)
		ip, err = resolver.GetHostByName("10.1.2.3")
		require.NoError(t, err)
		assert.Equal(t, "10.1.2.3", ip)
		hosts, err := resolver.LookupHost("localhost")
		require.NoError(t, err)
		assert.Contains(t, hosts, "127.0.0.1")
		ai, err := resolver.GetAddrInfo("tcp4", "localhost", "http")
		require.NoError(t, err)
		require.NotEmpty(t, ai)
		assert.Equal(t, "tcp4", ai[0].Network)
		assert.Equal(t, "127.0.0.1:80", ai[0].Addr.String())
		_, err = resolver.GetAddrInfo("sctp", "localhost", "80")
		var une net.UnknownNetworkError
		assert.ErrorAs(t, err, &une)
		_, err = resolver.GetAddrInfo("tcp", "localhost", "99999")
		var ae *net.AddrError
		assert.ErrorAs(t, err, &ae)
		_, err = resolver.LookupHost("no-such-host..invalid")
		var de *net.DNSError
		assert.ErrorAs(t, err, &de)
		return nil
	}))
}

func TestConcurrentLookupsDoNotBlockHub(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var gs []*scheduler.Greenlet[string]
		for range 5 {
			gs = append(gs, scheduler.Spawn(func() (string, error) { return resolver.GetHostByName("localhost") }))
		}
		done, err := scheduler.JoinAll(gs, 5*time.Second, true)
		require.NoError(t, err)
		assert.Len(t, done, 5)
		for _, g := range gs {
			assert.Equal(t, "127.0.0.1", g.Value())
		}
		return nil
	}))
}
