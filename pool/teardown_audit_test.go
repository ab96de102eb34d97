package pool_test

import (
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// parkedAll yields until every greenlet of gs started and is not done.
func parkedAll(t *testing.T, gs ...scheduler.Runnable) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all := true
		for _, g := range gs {
			all = all && g.Started()
		}
		if all {
			break
		}
		require.True(t, time.Now().Before(deadline), "a greenlet never started")
		require.NoError(t, scheduler.Sleep(bg, 0))
	}
	require.NoError(t, scheduler.Sleep(bg, 0))
	for _, g := range gs {
		require.False(t, g.Ready(), "a greenlet did not block")
	}
}

// forever yields 0, 1, 2, ... until the loop stops.
func forever(yield func(int) bool) {
	for i := 0; yield(i); i++ {
	}
}

var _ iter.Seq[int] = forever

// pendWork leaves on the hub of the caller, the main greenlet, what TestTeardownPendingWorkThenNextHub
// ends: p full of members that never finish, one in grp, and greenlets waiting on both, recording
// their errors in errs.
func pendWork(t *testing.T, p *pool.Pool, grp *pool.Group, errs map[string]error) {
	var never event.Event
	block := func() (int, error) { return 0, never.Wait(bg) }
	blockItem := func(int) (int, error) { return block() }
	var gs []scheduler.Runnable
	waiter := func(name string, fn func() error) {
		errs[name] = errors.New("did not return")
		gs = append(gs, scheduler.Go(func() error { errs[name] = fn(); return nil }))
	}
	for range 2 {
		_, err := pool.Spawn(bg, p, block)
		require.NoError(t, err)
	}
	_, err := pool.Spawn(bg, grp, block)
	require.NoError(t, err)
	waiter("Pool spawner", func() error { _, err := pool.Spawn(bg, p, block); return err })
	waiter("Pool.Join", func() error { return p.Join(bg) })
	waiter("Group.Join", func() error { return grp.Join(bg) })
	waiter("Group Map", func() error { _, err := pool.Map(bg, grp, blockItem, []int{1, 2}); return err })
	waiter("Pool Imap", func() error {
		for _, err := range pool.Imap(bg, p, blockItem, forever) {
			return err
		}
		return nil
	})
	waiter("Group Imap", func() error {
		for _, err := range pool.ImapUnordered(bg, grp, blockItem, forever, pool.ImapMaxSize(3)) {
			return err
		}
		return nil
	})
	parkedAll(t, gs...)
	assert.True(t, p.Full())
}

// useAgain checks that p (of size 2) and grp start empty on the caller's hub and work fully.
func useAgain(t *testing.T, p *pool.Pool, grp *pool.Group) {
	ctx := testctx.Within(t, 10*time.Second)
	assert.Zero(t, p.Len())
	assert.Equal(t, 2, p.FreeCount(), "every slot is free again")
	for _, s := range []pool.Spawner{p, grp} {
		out, err := pool.Map(ctx, s, func(i int) (int, error) { return 2 * i, nil }, []int{1, 2, 3})
		require.NoError(t, err)
		assert.Equal(t, []int{2, 4, 6}, out)
		var got []int
		for v, err := range pool.Imap(ctx, s, func(i int) (int, error) { return i, nil }, forever, pool.ImapMaxSize(2)) {
			require.NoError(t, err)
			if got = append(got, v); len(got) == 5 {
				break
			}
		}
		assert.Equal(t, []int{0, 1, 2, 3, 4}, got)
	}
	for range 3 {
		_, err := pool.Spawn(ctx, p, func() (int, error) { return 1, scheduler.Sleep(ctx, time.Millisecond) })
		require.NoError(t, err)
	}
	require.NoError(t, p.Join(ctx))
	require.NoError(t, grp.Join(ctx))
	assert.Zero(t, p.Len())
}

// TestTeardownPendingWorkThenNextHub: when the hub ends (Main's fn returns, or Destroy) with a
// Pool full of running members, a spawner waiting for a slot, a Join, a Map and an Imap (with
// its feeder greenlet) in progress on it and on a Group, every waiter gets GreenletExit; the next
// hub on the goroutine finds the Group and the Pool empty, with every slot free, and uses them
// fully. goleak (TestMain) checks that no goroutine outlives the tests.
func TestTeardownPendingWorkThenNextHub(t *testing.T) {
	for _, how := range []string{"Main returns", "Destroy"} {
		t.Run(how, func(t *testing.T) {
			p, err := pool.New(2)
			require.NoError(t, err)
			grp := pool.NewGroup()
			errs := map[string]error{}
			body := func() error { pendWork(t, p, grp, errs); return nil }
			if how == "Main returns" {
				run(t, body)
			} else {
				h, err := scheduler.NewHub()
				require.NoError(t, err)
				require.NoError(t, body())
				require.NoError(t, h.Destroy())
			}
			for name, err := range errs {
				assert.ErrorIs(t, err, scheduler.ErrGreenletExit, name)
			}
			assert.Zero(t, p.Len())
			assert.Zero(t, grp.Len())

			run(t, func() error { useAgain(t, p, grp); return nil })
		})
	}
}
