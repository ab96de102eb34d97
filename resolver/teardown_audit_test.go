package resolver_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// TestTeardownLookupStopsWithHub: a lookup pending when its hub ends returns GreenletExit to its
// greenlet, and the lookup running on the pool is cancelled with it (its DNS exchange ends, the
// worker goroutine ends: goleak); a later hub on the same goroutine resolves with the package's
// default resolver.
func TestTeardownLookupStopsWithHub(t *testing.T) {
	pool, err := threadpool.New(1)
	require.NoError(t, err)
	var dialing, cancelled atomic.Bool
	nr := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		dialing.Store(true)
		<-ctx.Done() // a DNS server that never answers
		cancelled.Store(true)
		return nil, ctx.Err()
	}}
	r := resolver.New(pool, nr)
	var lookupErr error
	require.NoError(t, scheduler.Main(func() error {
		scheduler.Go(func() error {
			_, lookupErr = r.LookupHost(bg, "teardown-audit.invalid")
			return nil
		})
		deadline := time.Now().Add(10 * time.Second)
		for !dialing.Load() {
			require.True(t, time.Now().Before(deadline), "the lookup never dialled")
			require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
		}
		return nil
	}))
	assert.ErrorIs(t, lookupErr, scheduler.ErrGreenletExit)
	require.Eventually(t, func() bool { return cancelled.Load() && pool.Len() == 0 }, 10*time.Second,
		time.Millisecond, "the lookup goes on after its hub ended")
	require.NoError(t, pool.Close())

	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		_, err := r.LookupHost(ctx, "localhost")
		assert.ErrorIs(t, err, scheduler.ErrClosed, "the closed pool refuses")
		addrs, err := resolver.LookupHost(ctx, "localhost")
		require.NoError(t, err)
		assert.NotEmpty(t, addrs)
		ai, err := resolver.GetAddrInfo(ctx, "tcp", "127.0.0.1", "80")
		require.NoError(t, err)
		assert.Len(t, ai, 1)
		return nil
	}))
}
