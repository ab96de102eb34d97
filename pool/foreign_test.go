package pool_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
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

// foreignCalls are the calls of p that return an error.
func foreignCalls(p *pool.Pool, member *scheduler.Greenlet[int]) map[string]func() error {
	one := func() (int, error) { return 1, nil }
	id := func(x int) (int, error) { return x, nil }
	cb := func(int) error { return nil }
	cbs := func([]int) error { return nil }
	return map[string]func() error{
		"ApplyAsync":    func() error { _, err := pool.ApplyAsync(p, one, cb); return err },
		"ApplyCallback": func() error { _, err := pool.ApplyCallback(bg, p, one, cb); return err },
		"MapAsync":      func() error { _, err := pool.MapAsync(p, id, []int{1}, cbs); return err },
		"MapCallback":   func() error { _, err := pool.MapCallback(bg, p, id, []int{1}, cbs); return err },
		"Imap maxsize": func() error {
			return firstErr(pool.Imap(bg, p, id, slices.Values([]int{1}), pool.ImapMaxSize(1)))
		},
		"KillOne":             func() error { return p.KillOne(bg, member, nil) },
		"KillOneAsync":        func() error { return p.KillOneAsync(member, nil) },
		"Group.Start":         func() error { return p.Group.Start(member) },
		"Pool.Start":          func() error { return p.Start(bg, member) },
		"Pool.TryStart":       func() error { return p.TryStart(member) },
		"Group.WaitAvailable": func() error { _, err := p.Group.WaitAvailable(bg); return err },
		"Spawn":               func() error { _, err := pool.Spawn(bg, p, one); return err },
		"TrySpawn":            func() error { _, err := pool.TrySpawn(p, one); return err },
		"Apply":               func() error { _, err := pool.Apply(bg, p, one); return err },
		"Map":                 func() error { _, err := pool.Map(bg, p, id, []int{1}); return err },
		"Imap":                func() error { return firstErr(pool.Imap(bg, p, id, slices.Values([]int{1}))) },
		"ImapUnordered":       func() error { return firstErr(pool.ImapUnordered(bg, p, id, slices.Values([]int{1}))) },
		"Join":                func() error { return p.Join(bg) },
		"Kill":                func() error { return p.Kill(bg, nil) },
		"KillAsync":           func() error { return p.KillAsync(nil) },
		"WaitAvailable":       func() error { _, err := p.WaitAvailable(bg); return err },
		"Pool.Add":            func() error { return p.Add(bg, member) },
		"Pool.TryAdd":         func() error { return p.TryAdd(member) },
		"Group.Add":           func() error { return p.Group.Add(member) },
		"Discard":             func() error { return p.Discard(member) },
	}
}

// TestForeignGoroutine: from a goroutine that is not a greenlet of the
// pool's hub, every call fails with ErrNotGreenlet without creating a hub
// (Spawn used to create one through scheduler.New, and the greenlet on it
// never ran) and without touching the pool; the same from a goroutine with
// a hub of its own. An unbound pool refuses a goroutine without a hub too.
func TestForeignGoroutine(t *testing.T) {
	unbound := mustNew(t, 1)
	for name, call := range foreignCalls(unbound, nil) {
		var err error
		assert.True(t, inGoroutine(func() { err = call() }), "%s (unbound) created a hub", name)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
	}
	run(t, func() error {
		p := mustNew(t, 1)
		var release event.Event
		busy, err := pool.Spawn(bg, p, func() (int, error) { return 0, release.Wait(bg) })
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		for name, call := range foreignCalls(p, busy) {
			var err error
			assert.True(t, inGoroutine(func() { err = call() }), "%s (bound) created a hub", name)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
			var pe *pool.Error
			assert.ErrorAs(t, err, &pe, name)
		}
		require.True(t, inGoroutine(func() {
			assert.False(t, p.Contains(busy), "Contains answers false elsewhere")
			assert.Nil(t, p.Greenlets())
			assert.NoError(t, scheduler.Main(func() error {
				_, err := pool.Spawn(bg, p, func() (int, error) { return 1, nil })
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
				assert.ErrorIs(t, p.Join(bg), scheduler.ErrNotGreenlet)
				return nil
			}))
		}))
		assert.Equal(t, []scheduler.Runnable{busy}, p.Greenlets(), "the pool was not touched")
		assert.False(t, busy.Dead())
		release.Set()
		require.NoError(t, p.Join(bg))
		assert.True(t, busy.Successful())
		return nil
	})
}
