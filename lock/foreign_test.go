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
