package lock_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

// TestForeignCallsTouchNothing: a goroutine's TryAcquire and Release of a
// Lock and a BoundedSemaphore, while the hub's greenlet uses them, are
// refused before they touch the lock (before, the bounded ones marked
// themselves bounded first, and Release read the counter to return it: data
// races the race detector flagged). A refused Release returns 0.
func TestForeignCallsTouchNothing(t *testing.T) {
	var l lock.Lock
	var b lock.BoundedSemaphore
	s, err := lock.NewSemaphore(2)
	require.NoError(t, err)
	run(t, func() error {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				assert.False(t, l.TryAcquire())
				assert.ErrorIs(t, l.Release(), scheduler.ErrNotGreenlet)
				assert.False(t, b.TryAcquire())
				n, err := b.Release()
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
				assert.Zero(t, n)
				n, err = s.Release()
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
				assert.Zero(t, n)
			}
		}()
		for i := range 500 {
			require.NoError(t, l.Acquire(bg))
			require.NoError(t, l.Release())
			require.NoError(t, b.Acquire(bg))
			_, err := b.Release()
			require.NoError(t, err)
			require.NoError(t, s.Acquire(bg))
			_, err = s.Release()
			require.NoError(t, err)
			if i%50 == 0 {
				require.NoError(t, scheduler.Sleep(bg, 0))
			}
		}
		close(stop)
		<-done
		assert.Equal(t, 1, b.Counter())
		assert.Equal(t, 2, s.Counter())
		return nil
	})
}

// TestReleaseAtMaxInt: a Release that would take the counter past
// math.MaxInt fails with ErrReleasedTooManyTimes and changes nothing (before,
// the counter wrapped to math.MinInt and the semaphore was locked for good).
func TestReleaseAtMaxInt(t *testing.T) {
	run(t, func() error {
		s, err := lock.NewSemaphore(math.MaxInt)
		require.NoError(t, err)
		n, err := s.Release()
		assert.ErrorIs(t, err, lock.ErrReleasedTooManyTimes)
		assert.Equal(t, math.MaxInt, n)
		var l lock.Lock
		// A Lock's refusal says what was released too many times by its call's name alone (it
		// read "semaphore released too many times", a semaphore the caller never made).
		assert.EqualError(t, l.Release(), "lock: Lock.Release: released too many times")
		assert.Equal(t, math.MaxInt, s.Counter())
		assert.False(t, s.Locked())
		require.NoError(t, s.Acquire(bg))
		n, err = s.Release()
		require.NoError(t, err)
		assert.Equal(t, math.MaxInt, n)
		return nil
	})
}

// TestRefusedCallNamesItsCall: the error of a refused call names the call
// that was made, not the semaphore call it is built on (a Lock.Acquire was
// reported as Semaphore.Acquire, a Lock.Release as BoundedSemaphore.Release).
func TestRefusedCallNamesItsCall(t *testing.T) {
	var l lock.Lock
	var r lock.RLock
	var b lock.BoundedSemaphore
	calls := map[string]func() error{
		"Lock.Acquire":             func() error { return l.Acquire(bg) },
		"Lock.Release":             l.Release,
		"RLock.Acquire":            func() error { return r.Acquire(bg) },
		"RLock.Release":            r.Release,
		"BoundedSemaphore.Acquire": func() error { return b.Acquire(bg) },
		"BoundedSemaphore.Release": func() error { _, err := b.Release(); return err },
		"BoundedSemaphore.Wait":    func() error { _, err := b.Wait(bg); return err },
	}
	for op, call := range calls {
		var err error
		require.True(t, inGoroutine(func() { err = call() }))
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, op)
		var le *lock.Error
		if assert.ErrorAs(t, err, &le, op) {
			assert.Equal(t, op, le.Op)
		}
		assert.True(t, strings.HasPrefix(err.Error(), "lock: "+op+": "), err.Error())
	}
}
