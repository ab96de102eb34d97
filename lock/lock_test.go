package lock_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
		ok, err := s.Acquire(true, scheduler.Forever)
		require.True(t, ok)
		require.NoError(t, err)
		var order []int
		var gs []*scheduler.Greenlet[struct{}]
		for i := range 4 {
			gs = append(gs, scheduler.Go(func() error {
				if _, err := s.Acquire(true, scheduler.Forever); err != nil {
					return err
				}
				order = append(order, i)
				if err := scheduler.Sleep(0); err != nil {
					return err
				}
				_, err := s.Release()
				return err
			}))
		}
		require.NoError(t, scheduler.Sleep(0))
		ok, err = s.Acquire(true, time.Millisecond)
		require.NoError(t, err)
		assert.False(t, ok, "timed out")
		_, err = s.Release()
		require.NoError(t, err)
		_, err = scheduler.JoinAll(gs, scheduler.Forever, true)
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
		ok, err := l.Acquire(false, 0)
		require.NoError(t, err)
		assert.True(t, ok)
		ok, _ = l.Acquire(false, 0)
		assert.False(t, ok)
		require.NoError(t, l.Release())
		assert.ErrorIs(t, l.Release(), lock.ErrReleasedTooManyTimes)
		return nil
	})
}

func TestRLockOwner(t *testing.T) {
	run(t, func() error {
		var r lock.RLock
		assert.ErrorIs(t, r.Release(), lock.ErrNotHeld)
		_, _ = r.Acquire(true, scheduler.Forever)
		_, _ = r.Acquire(true, scheduler.Forever)
		assert.Equal(t, 2, r.Count())
		g := scheduler.Go(func() error {
			assert.ErrorIs(t, r.Release(), lock.ErrNotHeld)
			ok, err := r.Acquire(false, 0)
			assert.False(t, ok)
			return err
		})
		require.NoError(t, g.Join(scheduler.Forever))
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
		done, err := scheduler.Wait([]scheduler.Linkable{s, lock.DummySemaphore{}}, 0, time.Second)
		require.NoError(t, err)
		assert.Len(t, done, 2)
		return nil
	})
}

func TestKilledWaiterLeavesNoLink(t *testing.T) {
	run(t, func() error {
		s, _ := lock.NewSemaphore(0)
		g := scheduler.Go(func() error { _, err := s.Acquire(true, scheduler.Forever); return err })
		require.NoError(t, scheduler.Sleep(0))
		assert.Equal(t, 1, s.LinkCount())
		require.NoError(t, g.Kill(nil, true, scheduler.Forever))
		assert.Equal(t, 0, s.LinkCount())
		return nil
	})
}

func ExampleSemaphore() {
	_ = scheduler.Main(func() error {
		s, _ := lock.NewSemaphore(1)
		var gs []*scheduler.Greenlet[struct{}]
		for _, n := range []string{"a", "b"} {
			gs = append(gs, scheduler.Go(func() error {
				_, _ = s.Acquire(true, scheduler.Forever)
				defer func() { _, _ = s.Release() }()
				fmt.Println(n, "in")
				_ = scheduler.Sleep(0)
				fmt.Println(n, "out")
				return nil
			}))
		}
		_, err := scheduler.JoinAll(gs, scheduler.Forever, false)
		return err
	})
	// Output:
	// a in
	// a out
	// b in
	// b out
}

// BenchmarkSemaphoreContended: two greenlets take turns on a Semaphore(1)
// with a Sleep(0) inside; one op is one acquire+sleep+release.
func BenchmarkSemaphoreContended(b *testing.B) {
	run(b, func() error {
		s, _ := lock.NewSemaphore(1)
		n := b.N
		body := func() error {
			for range n / 2 {
				if _, err := s.Acquire(true, scheduler.Forever); err != nil {
					return err
				}
				if err := scheduler.Sleep(0); err != nil {
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
		_, err := scheduler.JoinAll([]*scheduler.Greenlet[struct{}]{g1, g2}, scheduler.Forever, true)
		return err
	})
}
