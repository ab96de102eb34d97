package threadpool_test

import (
	"bytes"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// eventually polls cond from a plain goroutine until it holds or 10s pass.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, time.Millisecond)
}

// TestTeardownQueuedSpawnSkipped: a Spawn still queued (not started on a worker) when its hub is
// destroyed never runs: nothing can deliver or collect its result any more, and a pool shared
// with the next hub must not spend a worker on it.
func TestTeardownQueuedSpawnSkipped(t *testing.T) {
	p, err := threadpool.New(1)
	require.NoError(t, err)
	release := make(chan struct{})
	started := make(chan struct{})
	var ran atomic.Bool
	var queued *threadpool.Result[int]
	run(t, func() error {
		threadpool.Spawn(p, func() (int, error) { close(started); <-release; return 1, nil })
		queued = threadpool.Spawn(p, func() (int, error) { ran.Store(true); return 2, nil })
		<-started
		return nil
	})
	close(release)
	eventually(t, func() bool { return p.Len() == 0 })
	_, err = queued.Get(bg)
	assert.ErrorIs(t, err, scheduler.ErrHubDestroyed)
	run(t, func() error {
		v, err := threadpool.Apply(testctx.Within(t, 10*time.Second), p, func() (int, error) { return 3, nil })
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		return p.Close()
	})
	assert.False(t, ran.Load(), "a call queued for a destroyed hub ran")
}

// TestTeardownApplyRunning: a greenlet waiting in Apply when the hub ends gets GreenletExit; the
// function running on the worker finishes (it cannot be interrupted) and nothing leaks.
func TestTeardownApplyRunning(t *testing.T) {
	p, err := threadpool.New(2)
	require.NoError(t, err)
	release := make(chan struct{})
	started := make(chan struct{})
	var applyErr error
	run(t, func() error {
		scheduler.Go(func() error {
			_, applyErr = threadpool.Apply(bg, p, func() (int, error) { close(started); <-release; return 1, nil })
			return nil
		})
		_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { <-started; return struct{}{}, nil })
		return err
	})
	assert.ErrorIs(t, applyErr, scheduler.ErrGreenletExit)
	assert.Equal(t, 1, p.Len(), "the function still runs")
	close(release)
	eventually(t, func() bool { return p.Len() == 0 })
	require.NoError(t, p.Close())
}

// TestTeardownWaitOnOrphanedResult: a Result still pending when its hub was destroyed can never
// be delivered; a greenlet of the next hub that waits for it with scheduler.Wait or IWait, or
// links to it, gets it at once, ready with an error matching scheduler.ErrHubDestroyed and
// naming the call that made it, as Get reports, instead of waiting for a delivery that cannot
// come.
func TestTeardownWaitOnOrphanedResult(t *testing.T) {
	p, err := threadpool.New(2)
	require.NoError(t, err)
	release := make(chan struct{})
	var spawned, mapped *threadpool.Result[int]
	var mappedAll *threadpool.Result[[]int]
	run(t, func() error {
		spawned = threadpool.Spawn(p, func() (int, error) { <-release; return 1, nil })
		mappedAll = threadpool.MapAsync(p, func(int) (int, error) { <-release; return 2, nil }, []int{1}, nil)
		mapped = threadpool.ApplyAsync(p, func() (int, error) { return 3, nil }, func(int) error { return nil })
		return nil
	})
	defer func() {
		close(release)
		eventually(t, func() bool { return p.Len() == 0 })
		require.NoError(t, p.Close())
	}()
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		done, err := scheduler.Wait(ctx, []*threadpool.Result[int]{spawned}, 1)
		require.NoError(t, err, "Wait waited for a result nothing can deliver")
		require.Len(t, done, 1)
		assert.ErrorIs(t, spawned.Err(), scheduler.ErrHubDestroyed)
		var te *threadpool.Error
		require.ErrorAs(t, spawned.Err(), &te)
		assert.Equal(t, "Spawn", te.Op)
		_, err = spawned.Get(ctx)
		assert.ErrorIs(t, err, scheduler.ErrHubDestroyed)

		for r, err := range scheduler.IWait(ctx, []*threadpool.Result[[]int]{mappedAll}, 1) {
			require.NoError(t, err, "IWait waited for a result nothing can deliver")
			assert.Same(t, mappedAll, r)
		}
		assert.ErrorIs(t, mappedAll.Err(), scheduler.ErrHubDestroyed)

		linked := make(chan struct{})
		if !mapped.Ready() { // its callback's greenlet may have run before the hub ended
			assert.NotZero(t, mapped.Rawlink(func(scheduler.Linkable) { close(linked) }))
			_, err = scheduler.RunBlocking(ctx, func() (struct{}, error) { <-linked; return struct{}{}, nil })
			require.NoError(t, err)
			assert.ErrorIs(t, mapped.Err(), scheduler.ErrHubDestroyed)
		}
		return nil
	})
}

// parkedIn reports whether some goroutine's stack holds every one of frames (a greenlet is a
// coroutine, which the dump lists as a goroutine of its own).
func parkedIn(frames ...string) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		all := true
		for _, f := range frames {
			all = all && bytes.Contains(g, []byte(f))
		}
		if all {
			return true
		}
	}
	return false
}

// TestTeardownGetDuringOriginDestroy: a Get from a greenlet of another hub on a Result whose hub
// is being destroyed decides in one place, the Result's binding: it waits (with its whole hub,
// as scheduler.Binding does) until that Destroy has returned, then takes the Result over and
// finds it ready with ErrHubDestroyed; a Get after the Destroy does the same at once. Either
// leaves the Result ready for scheduler.Wait. A check of the origin's Destroyed before the wait
// left a window in which a Destroy that began and ended let the wait rebind to the caller's hub
// and wait there for a delivery that cannot come; the Get parked in the binding while the
// Destroy is held is the state that window led to.
func TestTeardownGetDuringOriginDestroy(t *testing.T) {
	p, err := threadpool.New(2)
	require.NoError(t, err)
	release, dying, hold := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var during, after *threadpool.Result[int]
	origin := make(chan error, 1)
	go func() {
		origin <- scheduler.Main(func() error {
			during = threadpool.Spawn(p, func() (int, error) { <-release; return 1, nil })
			after = threadpool.Spawn(p, func() (int, error) { <-release; return 2, nil })
			scheduler.Go(func() error {
				defer func() { close(dying); <-hold }() // holds the origin's Destroy open
				return scheduler.Sleep(bg, time.Hour)
			})
			return scheduler.Sleep(bg, 0) // the holder starts; then Main destroys the hub
		})
	}()
	<-dying
	got := make(chan error, 1)
	go func() {
		got <- scheduler.Main(func() error {
			var getErr error
			g := scheduler.Go(func() error { _, getErr = during.Get(bg); return nil })
			require.NoError(t, g.Join(testctx.Within(t, 10*time.Second)))
			assert.ErrorIs(t, getErr, scheduler.ErrHubDestroyed)
			assert.True(t, during.Ready(), "the Get took the orphaned Result over")
			return nil
		})
	}()
	eventually(t, func() bool { return parkedIn("scheduler.(*Binding).bind", "threadpool.(*Result[...]).get") })
	close(hold)
	require.NoError(t, <-origin)
	require.NoError(t, <-got)

	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		_, err := after.Get(ctx)
		assert.ErrorIs(t, err, scheduler.ErrHubDestroyed)
		require.True(t, after.Ready(), "the Get took the orphaned Result over")
		done, err := scheduler.Wait(ctx, []*threadpool.Result[int]{during, after}, 2)
		require.NoError(t, err)
		assert.Len(t, done, 2)
		return nil
	})
	close(release)
	eventually(t, func() bool { return p.Len() == 0 })
	require.NoError(t, p.Close())
}
