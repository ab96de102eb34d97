package socket_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// TestDialKilledAsItsContextEndsReportsTheKill: a dial whose greenlet is killed while it waits
// (for the lookup on its own hub, for RunBlocking from a greenlet of another hub than the
// Dialer's) fails with the kill's error even when its context ended in the meantime: ctx's end
// is decided by ctx and the error the wait got (ctxwait.Ended), and the kill's error is not
// ctx's. The dial reported context.Canceled whenever ctx was done by the time it failed. The
// kill is queued before the cancel, so the throw runs first: the cancel reaches the hub through
// a Post, after the callbacks.
func TestDialKilledAsItsContextEndsReportsTheKill(t *testing.T) {
	stubLookup(t)
	// The dial of another hub's Dialer goes on, on a goroutine, after its greenlet gave up: the
	// test waits for its lookup to return before the cleanup puts LookupHost back.
	var entered, inflight atomic.Int32
	stub := socket.LookupHost
	socket.LookupHost = func(ctx context.Context, host string) ([]netip.Addr, error) {
		entered.Add(1)
		inflight.Add(1)
		defer inflight.Add(-1)
		return stub(ctx, host)
	}
	hA, _ := hubOnGoroutine(t)
	run(t, func() error {
		tctx := testctx.Within(t, 10*time.Second)
		for _, c := range []struct {
			name string
			d    socket.Dialer
		}{
			{"own hub", socket.Dialer{}},
			{"another hub's Dialer", socket.Dialer{Hub: hA}},
		} {
			ctx, cancel := context.WithCancel(bg)
			d := c.d
			g := scheduler.Spawn(func() (error, error) {
				_, err := d.DialContext(ctx, "tcp", "slow.invalid:80")
				return err, nil
			})
			require.NoError(t, scheduler.Sleep(tctx, 0)) // g waits
			require.False(t, g.Ready(), c.name)
			kill := errors.New("killed")
			require.NoError(t, g.KillAsync(kill))
			cancel()
			err, gerr := g.Get(tctx)
			require.NoError(t, gerr, c.name)
			var oe *net.OpError
			if assert.True(t, errors.As(err, &oe), "%s: %T %v", c.name, err, err) {
				assert.Equal(t, "dial", oe.Op, c.name)
				assert.Equal(t, kill, oe.Err, "%s: %v", c.name, err)
			}
			assert.NotErrorIs(t, err, context.Canceled, c.name)
		}
		deadline := time.Now().Add(5 * time.Second)
		for entered.Load() < 2 || inflight.Load() > 0 {
			require.True(t, time.Now().Before(deadline), "the lookups did not return")
			require.NoError(t, scheduler.Sleep(tctx, time.Millisecond))
		}
		return nil
	})
}
