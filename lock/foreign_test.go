package lock_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/lock"
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

// TestForeignGoroutineBlocking: a blocking Acquire from a goroutine that is
// not a greenlet of the lock's hub fails with ErrNotGreenlet without
// creating a hub, whether the lock is bound to a hub (a greenlet waits on
// it) or not bound yet (then, before, a hub was created only to end in
// LoopExit and leak).
func TestForeignGoroutineBlocking(t *testing.T) {
	s, err := lock.NewSemaphore(0)
	require.NoError(t, err)
	var l lock.Lock
	require.False(t, l.TryAcquire(), "a goroutine without a hub takes nothing")
	_, err = s.Release()
	require.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	acquire := map[string]func() error{
		"Semaphore.Acquire": func() error { err := s.Acquire(bg); return err },
		"Semaphore.Wait":    func() error { _, err := s.Wait(bg); return err },
		"Lock.Acquire":      func() error { err := l.Acquire(bg); return err },
	}
	for name, call := range acquire {
		var err error
		assert.True(t, inGoroutine(func() { err = call() }), "%s (unbound) created a hub", name)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
	}
	run(t, func() error {
		g := scheduler.Go(func() error { err := s.Acquire(bg); return err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		for name, call := range acquire {
			var err error
			assert.True(t, inGoroutine(func() { err = call() }), "%s (bound) created a hub", name)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		}
		assert.Equal(t, 1, s.LinkCount(), "only the hub's waiter is linked")
		_, err := s.Release()
		require.NoError(t, err)
		return g.Join(bg)
	})
}

// TestHubGreenletWaitsNever: from the hub greenlet (a callback) an Acquire
// or Wait that finds the semaphore free takes it or returns at once, as
// gevent's acquire from its hub does; one that would have to wait is
// refused with ErrNotGreenlet, links nothing and takes nothing.
func TestHubGreenletWaitsNever(t *testing.T) {
	run(t, func() error {
		s, err := lock.NewSemaphore(1)
		require.NoError(t, err)
		var l lock.Lock
		var rl lock.RLock
		var free, busy []error
		n := -1
		scheduler.CurrentHub().RunCallback(func() {
			free = append(free, s.Acquire(bg), l.Acquire(bg), rl.Acquire(bg), rl.Acquire(bg))
			_, werr := s.Wait(bg)
			busy = append(busy, s.Acquire(bg), werr)
			n, _ = s.Wait(bg)
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		for _, err := range free {
			assert.NoError(t, err)
		}
		for _, err := range busy {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			var le *lock.Error
			assert.ErrorAs(t, err, &le)
		}
		assert.Zero(t, n)
		assert.Zero(t, s.Counter())
		assert.Zero(t, s.LinkCount())
		assert.True(t, l.Locked())
		assert.Equal(t, 2, rl.Count())
		return nil
	})
}
