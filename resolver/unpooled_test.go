package resolver_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// awaitDials waits, off the hub, until n lookups dialled dns's server.
func awaitDials(ctx context.Context, dns *fakeDNS, n int) error {
	_, err := scheduler.RunBlocking(ctx, func() (struct{}, error) {
		for range n {
			select {
			case <-dns.dials:
			case <-ctx.Done():
				return struct{}{}, errors.New("the lookups never all asked the DNS server")
			}
		}
		return struct{}{}, nil
	})
	return err
}

// An unpooled resolver answers as a pooled one (the hosts file, an address, a numeric port) and
// runs every lookup at once: twenty lookups stuck in their DNS dial all dial, where New's on a
// pool of two workers would run two. A Kill of the waiting greenlet cancels its lookup's context.
func TestUnpooledLookupsRunAtOnce(t *testing.T) {
	dns := newFakeDNS(true)
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		r := resolver.NewUnpooled(nil)
		hosts, err := r.LookupHost(ctx, "localhost")
		require.NoError(t, err)
		assert.Contains(t, hosts, "127.0.0.1")
		ip, err := r.GetHostByName(ctx, "10.1.2.3")
		require.NoError(t, err)
		assert.Equal(t, "10.1.2.3", ip)
		port, err := r.LookupPort(ctx, "tcp", "8080")
		require.NoError(t, err)
		assert.Equal(t, 8080, port)

		const lookups = 20
		stuck := resolver.NewUnpooled(dns.resolver())
		var gs []*scheduler.Greenlet[[]string]
		for range lookups {
			gs = append(gs, scheduler.Spawn(func() ([]string, error) { return stuck.LookupHost(bg, unknownName) }))
		}
		require.NoError(t, awaitDials(ctx, dns, lookups))
		require.NoError(t, scheduler.KillAll(ctx, gs, nil))
		for _, g := range gs {
			assert.ErrorIs(t, g.ExitErr(), scheduler.ErrGreenletExit)
		}
		assert.ErrorIs(t, dns.first().Err(), context.Canceled, "the lookup outlived its wait")
		return nil
	}))
}

// An unpooled lookup ends with its caller's deadline with net's timeout error in an *Error, as a
// pooled one; a resolver's own failure is net's error as it is; a panic of the resolver's Dial
// hook comes back as a *scheduler.PanicError.
func TestUnpooledErrorsAreNews(t *testing.T) {
	failing, stuck := newFakeDNS(false), newFakeDNS(true)
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		defer pool.Close()
		for name, r := range map[string]*resolver.Resolver{
			"pooled":   resolver.New(pool, stuck.resolver()),
			"unpooled": resolver.NewUnpooled(stuck.resolver()),
		} {
			_, err := r.LookupHost(testctx.Within(t, 50*time.Millisecond), unknownName)
			require.ErrorIs(t, err, scheduler.ErrTimeout, name)
			require.ErrorIs(t, err, context.DeadlineExceeded, name)
			var re *resolver.Error
			require.ErrorAs(t, err, &re, name)
			assert.Equal(t, "Resolver.LookupHost", re.Op, name)
			var de *net.DNSError
			require.ErrorAs(t, err, &de, name)
			assert.True(t, de.IsTimeout, name)
			assert.Equal(t, "i/o timeout", de.Err, name)
		}

		_, err = resolver.NewUnpooled(failing.resolver()).LookupHost(ctx, unknownName)
		var de *net.DNSError
		require.ErrorAs(t, err, &de)
		var re *resolver.Error
		assert.False(t, errors.As(err, &re), "the resolver's own failure is net's: %v", err)

		panicky := resolver.NewUnpooled(&net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
			panic("dial hook")
		}})
		_, err = panicky.LookupAddr(ctx, "192.0.2.1") // a reverse lookup dials on the calling goroutine
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "dial hook", pe.Value)

		done := make(chan error, 1)
		go func() { _, err := resolver.NewUnpooled(nil).LookupHost(bg, "localhost"); done <- err }()
		assert.ErrorIs(t, <-done, scheduler.ErrNotGreenlet)
		return nil
	}))
}
