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

// TestKillWithContextErrorIsNoContextEnd: a lookup whose greenlet is killed with
// context.Canceled as the kill's error, while the lookup's own ctx is live, fails with the kill's
// error in an *Error, as for any kill; only the end of ctx itself is net's error for a context
// that ended. It was taken for the end of ctx (a *net.DNSError "operation was canceled").
func TestKillWithContextErrorIsNoContextEnd(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		pool, err := threadpool.New(2)
		require.NoError(t, err)
		defer pool.Close()
		for _, ctxEnds := range []bool{false, true} {
			dns := newFakeDNS(true)
			r := resolver.New(pool, dns.resolver())
			live, cancel := context.WithCancel(bg)
			g := scheduler.Spawn(func() ([]string, error) { return r.LookupHost(live, unknownName) })
			_, err = scheduler.RunBlocking(ctx, func() (struct{}, error) {
				select {
				case <-dns.dials:
					return struct{}{}, nil
				case <-ctx.Done():
					return struct{}{}, errors.New("the lookup never asked the DNS server")
				}
			})
			require.NoError(t, err)
			if ctxEnds {
				cancel()
				require.NoError(t, g.Join(ctx))
			} else {
				require.NoError(t, g.Kill(ctx, context.Canceled))
			}
			cancel()
			assert.ErrorIs(t, g.Err(), context.Canceled, "ctx ends: %v", ctxEnds)
			var re *resolver.Error
			require.ErrorAs(t, g.Err(), &re)
			var de *net.DNSError
			assert.Equal(t, ctxEnds, errors.As(re.Err, &de), "net's error for the end of ctx only: %v", re.Err)
		}
		return nil
	}))
}
