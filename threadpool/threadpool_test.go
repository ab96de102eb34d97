package threadpool_test

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const ms = time.Millisecond

func run(t *testing.T, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

func TestApplyKeepsHubRunning(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		ticks := 0
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(ms); err != nil {
					return err
				}
				ticks++
			}
		})
		v, err := threadpool.Apply(p, func() (string, error) {
			time.Sleep(30 * ms) // a blocking call: only the worker goroutine waits
			return "done", nil
		})
		require.NoError(t, err)
		assert.Equal(t, "done", v)
		assert.Greater(t, ticks, 5, "other greenlets ran while the worker blocked")
		return ticker.Kill(nil, true, time.Second)
	})
}

func TestSizeLimitAndMap(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var cur, peak atomic.Int32
		out, err := threadpool.Map(p, func(i int) (string, error) {
			n := cur.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(5 * ms)
			cur.Add(-1)
			return strconv.Itoa(i * i), nil
		}, []int{1, 2, 3, 4, 5, 6})
		require.NoError(t, err)
		assert.Equal(t, []string{"1", "4", "9", "16", "25", "36"}, out)
		assert.Equal(t, int32(2), peak.Load())
		assert.Equal(t, 0, p.Len())
		return nil
	})
}

func TestErrorsAndPanics(t *testing.T) {
	run(t, func() error {
		p := threadpool.Default()
		assert.Same(t, p, threadpool.Default())
		boom := errors.New("boom")
		_, err := threadpool.Apply(p, func() (int, error) { return 0, boom })
		assert.ErrorIs(t, err, boom)
		_, err = threadpool.Apply(p, func() (int, error) { panic("oops") })
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "oops", pe.Value)
		_, err = threadpool.Map(p, func(i int) (int, error) {
			if i == 2 {
				return 0, boom
			}
			return i, nil
		}, []int{1, 2, 3})
		assert.ErrorIs(t, err, boom)
		_, err = threadpool.New(0)
		assert.ErrorIs(t, err, threadpool.ErrInvalidSize)
		return nil
	})
}

func TestGetTimeoutAndKill(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		r := threadpool.Spawn(p, func() (int, error) { <-release; return 7, nil })
		_, err = r.Get(0)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		_, err = r.Get(5 * ms)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		waiter := scheduler.Spawn(func() (int, error) { return r.Get(scheduler.Forever) })
		require.NoError(t, scheduler.Sleep(ms))
		require.NoError(t, waiter.Kill(nil, true, time.Second))
		assert.ErrorIs(t, waiter.ExitErr(), scheduler.ErrGreenletExit)
		close(release)
		done, err := scheduler.Wait([]scheduler.Linkable{r}, 1, time.Second)
		require.NoError(t, err)
		require.Len(t, done, 1)
		assert.True(t, r.Successful())
		assert.Equal(t, 7, r.Value())
		return nil
	})
}

func TestClose(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		first := threadpool.Spawn(p, func() (int, error) { <-release; return 1, nil })
		queued := threadpool.Spawn(p, func() (int, error) { return 2, nil })
		require.NoError(t, scheduler.Sleep(ms))
		require.NoError(t, p.Close())
		assert.ErrorIs(t, p.Close(), threadpool.ErrClosed)
		close(release)
		v, err := first.Get(time.Second)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		_, err = queued.Get(time.Second)
		assert.ErrorIs(t, err, threadpool.ErrClosed)
		_, err = threadpool.Apply(p, func() (int, error) { return 3, nil })
		assert.ErrorIs(t, err, threadpool.ErrClosed)
		return nil
	})
}

// TestForeignGoroutineRefused: the pool is hub-affine. From a plain goroutine
// Spawn, Apply and Map run nothing and report ErrNotGreenlet, a pending
// result's Get refuses to wait without creating a hub, and the pool still
// works from its own greenlets afterwards.
func TestForeignGoroutineRefused(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var ran atomic.Int32
		release := make(chan struct{})
		pending := threadpool.Spawn(p, func() (int, error) { <-release; return 7, nil })
		errs := map[string]error{}
		hubCreated := false
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, errs["Apply"] = threadpool.Apply(p, func() (int, error) { ran.Add(1); return 1, nil })
			_, errs["Map"] = threadpool.Map(p, func(i int) (int, error) { ran.Add(1); return i, nil }, []int{1, 2})
			errs["Spawn"] = threadpool.Spawn(p, func() (int, error) { ran.Add(1); return 1, nil }).Err()
			_, errs["Get"] = pending.Get(scheduler.Forever)
			hubCreated = scheduler.CurrentHub() != nil
		}()
		<-done
		for name, err := range errs {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		}
		assert.Len(t, errs, 4)
		assert.False(t, hubCreated, "a refused call created a hub for the foreign goroutine")
		assert.Zero(t, ran.Load(), "a refused call ran its function")
		close(release)
		v, err := pending.Get(scheduler.Forever)
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		return p.Close()
	})
}

// TestSpawnAfterHubDestroyed: a pool whose hub is gone says so.
func TestSpawnAfterHubDestroyed(t *testing.T) {
	var p *threadpool.ThreadPool
	run(t, func() error {
		var err error
		p, err = threadpool.New(1)
		return err
	})
	_, err := threadpool.Apply(p, func() (int, error) { return 1, nil })
	assert.ErrorIs(t, err, scheduler.ErrHubDestroyed)
}
