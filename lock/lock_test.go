package lock_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bg is the context of waits that only their own events end.
var bg = context.Background()

func run(t testing.TB, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

func TestNegative(t *testing.T) {
	_, err := lock.NewSemaphore(-1)
	assert.ErrorIs(t, err, lock.ErrNegative)
	_, err = lock.NewBoundedSemaphore(-1)
	assert.ErrorIs(t, err, lock.ErrNegative)
}

func TestSemaphoreOrderAndTimeout(t *testing.T) {
	run(t, func() error {
		s, err := lock.NewSemaphore(1)
		require.NoError(t, err)
		require.NoError(t, s.Acquire(bg))
		var order []int
		var gs []*scheduler.Greenlet[struct{}]
		for i := range 4 {
			gs = append(gs, scheduler.Go(func() error {
				if err := s.Acquire(bg); err != nil {
					return err
				}
				order = append(order, i)
				if err := scheduler.Sleep(bg, 0); err != nil {
					return err
				}
				_, err := s.Release()
				return err
			}))
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		err = s.Acquire(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		_, err = s.Release()
		require.NoError(t, err)
		_, err = scheduler.JoinAll(bg, gs)
		require.NoError(t, err)
		assert.Equal(t, []int{0, 1, 2, 3}, order)
		assert.Equal(t, 1, s.Counter())
		assert.Zero(t, s.LinkCount())
		return nil
	})
}

func TestBoundedAndLock(t *testing.T) {
	run(t, func() error {
		b, err := lock.NewBoundedSemaphore(1)
		require.NoError(t, err)
		_, err = b.Release()
		assert.ErrorIs(t, err, lock.ErrReleasedTooManyTimes)
		var l lock.Lock
		assert.False(t, l.Locked())
		assert.True(t, l.TryAcquire())
		assert.False(t, l.TryAcquire())
		require.NoError(t, l.Release())
		assert.ErrorIs(t, l.Release(), lock.ErrReleasedTooManyTimes)
		return nil
	})
}

func TestRLockOwner(t *testing.T) {
	run(t, func() error {
		var r lock.RLock
		assert.ErrorIs(t, r.Release(), lock.ErrNotHeld)
		_ = r.Acquire(bg)
		_ = r.Acquire(bg)
		assert.Equal(t, 2, r.Count())
		g := scheduler.Go(func() error {
			assert.ErrorIs(t, r.Release(), lock.ErrNotHeld)
			assert.False(t, r.TryAcquire())
			return nil
		})
		require.NoError(t, g.Join(bg))
		require.NoError(t, r.Release())
		require.NoError(t, r.Release())
		assert.False(t, r.Locked())
		return nil
	})
}

func TestSemaphoreWithSchedulerWait(t *testing.T) {
	run(t, func() error {
		s, _ := lock.NewSemaphore(0)
		scheduler.SpawnLater(time.Millisecond, func() (int, error) { return s.Release() })
		done, err := scheduler.Wait(testctx.Within(t, time.Second), []scheduler.Linkable{s, lock.DummySemaphore{}}, 0)
		require.NoError(t, err)
		assert.Len(t, done, 2)
		return nil
	})
}

func TestKilledWaiterLeavesNoLink(t *testing.T) {
	run(t, func() error {
		s, _ := lock.NewSemaphore(0)
		g := scheduler.Go(func() error { err := s.Acquire(bg); return err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, 1, s.LinkCount())
		require.NoError(t, g.Kill(bg, nil))
		assert.Equal(t, 0, s.LinkCount())
		return nil
	})
}

// BenchmarkSemaphoreContended: two greenlets take turns on a Semaphore(1)
// with a Sleep(0) inside; one op is one acquire+sleep+release.
func BenchmarkSemaphoreContended(b *testing.B) {
	run(b, func() error {
		s, _ := lock.NewSemaphore(1)
		n := b.N
		body := func() error {
			for range n / 2 {
				if err := s.Acquire(bg); err != nil {
					return err
				}
				if err := scheduler.Sleep(bg, 0); err != nil {
					return err
				}
				if _, err := s.Release(); err != nil {
					return err
				}
			}
			return nil
		}
		b.ResetTimer()
		g1, g2 := scheduler.Go(body), scheduler.Go(body)
		_, err := scheduler.JoinAll(bg, []*scheduler.Greenlet[struct{}]{g1, g2})
		return err
	})
}

// The zero semaphores have gevent's default value, 1; a zero
// BoundedSemaphore is bounded at it (it used to be an unbounded semaphore
// of 0).
func TestZeroSemaphores(t *testing.T) {
	run(t, func() error {
		var s lock.Semaphore
		assert.Equal(t, 1, s.Counter())
		assert.True(t, s.TryAcquire())
		assert.False(t, s.TryAcquire())
		n, err := s.Release()
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		n, err = s.Release()
		require.NoError(t, err)
		assert.Equal(t, 2, n, "an unbounded semaphore goes above its initial value")

		var b lock.BoundedSemaphore
		_, err = b.Release()
		assert.ErrorIs(t, err, lock.ErrReleasedTooManyTimes)
		require.NoError(t, b.Acquire(bg))
		err = b.Acquire(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		n, err = b.Release()
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		return nil
	})
}

// The readers of a zero semaphore do not initialise it, so reading one from
// two goroutines at once races with nothing (each read used to write the
// default value in; the race detector checks).
func TestZeroSemaphoreReadersDoNotWrite(t *testing.T) {
	var s lock.Semaphore
	read := func() {
		for range 100 {
			_ = s.Counter()
			_ = s.Locked()
			_ = s.Ready()
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		read()
	}()
	read()
	<-done
	assert.Equal(t, 1, s.Counter())
}

func TestNilContexts(t *testing.T) {
	var d lock.DummySemaphore
	var nilCtx context.Context
	_, err := d.Wait(nilCtx)
	assert.ErrorIs(t, err, scheduler.ErrNilArgument)
	assert.ErrorIs(t, d.Acquire(nilCtx), scheduler.ErrNilArgument)
}

// The Semaphore methods a *BoundedSemaphore offers answer a nil *BoundedSemaphore as a nil
// *Semaphore does: promoted through the embedded Semaphore, they dereferenced the nil pointer
// first.
func TestNilBoundedSemaphore(t *testing.T) {
	run(t, func() error {
		var b *lock.BoundedSemaphore
		require.NotPanics(t, func() { assert.Zero(t, b.Counter()) })
		require.NotPanics(t, func() { assert.False(t, b.Ready()) })
		var err error
		require.NotPanics(t, func() { _, err = b.Wait(bg) })
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		return nil
	})
}
