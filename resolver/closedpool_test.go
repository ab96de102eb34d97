package resolver_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// TestClosedPoolWinsOverAnEndedContext: a resolver whose pool is closed refuses every call with
// ErrClosed, one that needs no lookup too, also when ctx has ended already: the closed pool
// decides, not the context (a lookup failed with net's error for the context's end, a call
// needing none got net's answer).
func TestClosedPoolWinsOverAnEndedContext(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		require.NoError(t, pool.Close())
		r := resolver.New(pool, newFakeDNS(false).resolver())
		cancelled, cancel := context.WithCancel(bg)
		cancel()
		for name, call := range map[string]func(context.Context) error{
			"LookupHost":           func(ctx context.Context) error { _, err := r.LookupHost(ctx, "127.0.0.1"); return err },
			"LookupHost of a name": func(ctx context.Context) error { _, err := r.LookupHost(ctx, unknownName); return err },
			"LookupPort":           func(ctx context.Context) error { _, err := r.LookupPort(ctx, "tcp", "80"); return err },
			"LookupAddr":           func(ctx context.Context) error { _, err := r.LookupAddr(ctx, "not-an-address"); return err },
			"GetHostByName":        func(ctx context.Context) error { _, err := r.GetHostByName(ctx, "10.1.2.3"); return err },
			"GetAddrInfo":          func(ctx context.Context) error { _, err := r.GetAddrInfo(ctx, "tcp", "10.1.2.3", "80"); return err },
		} {
			for ctxName, ctx := range map[string]context.Context{"live": bg, "cancelled": cancelled} {
				err := call(ctx)
				assert.ErrorIs(t, err, threadpool.ErrClosed, "%s, %s context", name, ctxName)
				var re *resolver.Error
				assert.ErrorAs(t, err, &re, "%s, %s context", name, ctxName)
			}
		}
		return nil
	}))
}
