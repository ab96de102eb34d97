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

// TestNoLookupOnBusyPoolEndsWithCtx: a call that needs no lookup, on a pool whose workers are all
// busy, waits for a worker only until its ctx ends, and then gets net's answer, as net.Resolver
// answers it whatever its ctx; a kill of its greenlet, or the pool closed under it, still ends it
// with that error. It waited for the busy worker whatever its ctx.
func TestNoLookupOnBusyPoolEndsWithCtx(t *testing.T) {
	nr := newFakeDNS(false).resolver()
	require.NoError(t, scheduler.Main(func() error {
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		busy := threadpool.Spawn(pool, func() (struct{}, error) { <-release; return struct{}{}, nil })
		r := resolver.New(pool, nr)
		wantHosts, wantErr := nr.LookupHost(bg, "127.0.0.1")
		require.NoError(t, wantErr)

		deadline, cancelDeadline := context.WithTimeout(bg, 20*time.Millisecond)
		defer cancelDeadline()
		cancelled, cancel := context.WithCancel(bg)
		for name, c := range map[string]struct {
			ctx context.Context
			end func()
		}{"deadline": {deadline, func() {}}, "cancel": {cancelled, cancel}} {
			g := scheduler.Spawn(func() ([]string, error) { return r.LookupHost(c.ctx, "127.0.0.1") })
			require.NoError(t, scheduler.Sleep(bg, 0)) // g waits for the busy worker
			c.end()
			if !assert.NoError(t, g.Join(testctx.Within(t, 5*time.Second)), "%s: still waits for the worker", name) {
				close(release)
				_, _ = busy.Get(bg)
				return pool.Close()
			}
			assert.Equal(t, wantHosts, g.Value(), name)
			assert.NoError(t, g.Err(), name)
		}

		live, cancelLive := context.WithCancel(bg)
		defer cancelLive()
		g := scheduler.Spawn(func() ([]string, error) { return r.LookupHost(live, "127.0.0.1") })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), context.Canceled))
		assert.ErrorIs(t, g.Err(), context.Canceled, "the kill's error")
		var re *resolver.Error
		require.ErrorAs(t, g.Err(), &re)
		assert.Equal(t, context.Canceled, re.Err, "the kill's error, not net's for a context that ended")

		g = scheduler.Spawn(func() ([]string, error) { return r.LookupHost(live, "127.0.0.1") })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, pool.Close())
		require.NoError(t, g.Join(testctx.Within(t, 5*time.Second)))
		assert.ErrorIs(t, g.Err(), threadpool.ErrClosed, "the pool closed under the wait refuses it")
		close(release)
		_, err = busy.Get(bg)
		return err
	}))
}
