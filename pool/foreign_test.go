package pool_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// inGoroutine runs fn on a fresh goroutine without a hub and reports
// whether that goroutine still had no hub afterwards.
func inGoroutine(fn func()) (noHub bool) {
	done := make(chan bool)
	go func() {
		fn()
		done <- scheduler.CurrentHub() == nil
	}()
	return <-done
}

// foreignCalls are the calls of p that spawn or wait, so need a hub.
func foreignCalls(p *pool.Pool) map[string]func() error {
	one := func() (int, error) { return 1, nil }
	return map[string]func() error{
		"Spawn":    func() error { _, err := pool.Spawn(p, one); return err },
		"TrySpawn": func() error { _, err := pool.TrySpawn(p, one); return err },
		"Apply":    func() error { _, err := pool.Apply(p, one); return err },
		"Map":      func() error { _, err := pool.Map(p, func(int) (int, error) { return 1, nil }, []int{1}); return err },
		"Imap": func() error {
			return firstErr(pool.Imap(p, func(int) (int, error) { return 1, nil }, slices.Values([]int{1})))
		},
		"Join":          func() error { _, err := p.Join(scheduler.Forever, false); return err },
		"Kill":          func() error { return p.Kill(nil, true, scheduler.Forever) },
		"WaitAvailable": func() error { _, err := p.WaitAvailable(scheduler.Forever); return err },
	}
}

func firstErr(seq func(func(int, error) bool)) error {
	for _, err := range seq {
		return err
	}
	return nil
}

// TestForeignGoroutine: from a goroutine that is not a greenlet of the
// pool's hub, every call that spawns or waits fails with ErrNotGreenlet
// without creating a hub (Spawn used to create one through scheduler.New,
// and the greenlet on it never ran) and without touching the pool; the
// same from a goroutine with a hub of its own. An empty unbound pool
// answers a hubless goroutine's Join, Kill and WaitAvailable without a hub.
func TestForeignGoroutine(t *testing.T) {
	// Unbound and empty: nothing to wait for, and no hub is created for it.
	unbound, err := pool.NewPool(1)
	require.NoError(t, err)
	require.True(t, inGoroutine(func() {
		ok, err := unbound.Join(scheduler.Forever, true)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.NoError(t, unbound.Kill(nil, true, 0))
		n, err := unbound.WaitAvailable(scheduler.Forever)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	}), "a hub was created for an empty unbound pool")
	run(t, func() error {
		p, err := pool.NewPool(1)
		require.NoError(t, err)
		gate := make(chan struct{})
		busy, err := pool.Spawn(p, func() (int, error) {
			_, err := scheduler.RunBlocking(func() (struct{}, error) { <-gate; return struct{}{}, nil })
			return 0, err
		})
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(0))
		for name, call := range foreignCalls(p) {
			var err error
			assert.True(t, inGoroutine(func() { err = call() }), "%s (bound) created a hub", name)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
			var pe *pool.Error
			assert.ErrorAs(t, err, &pe, name)
		}
		require.True(t, inGoroutine(func() {
			assert.NoError(t, scheduler.Main(func() error {
				_, err := pool.Spawn(p, func() (int, error) { return 1, nil })
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
				return nil
			}))
		}))
		assert.Equal(t, 1, p.Len(), "the pool was not touched")
		close(gate)
		ok, err := p.Join(scheduler.Forever, true)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.True(t, busy.Successful())
		return nil
	})
}
