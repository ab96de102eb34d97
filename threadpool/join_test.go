package threadpool_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// gated spawns n calls on p that return their index once gate is closed.
func gated(p *threadpool.ThreadPool, gate <-chan struct{}, n int) []*threadpool.Result[int] {
	rs := make([]*threadpool.Result[int], n)
	for i := range rs {
		rs[i] = threadpool.Spawn(p, func() (int, error) { <-gate; return i, nil })
	}
	return rs
}

// allReady reports whether every one of rs is ready.
func allReady(rs []*threadpool.Result[int]) bool {
	for _, r := range rs {
		if !r.Ready() {
			return false
		}
	}
	return true
}

// TestJoinIdle: Join on a pool with no work returns nil at once, whatever its ctx.
func TestJoinIdle(t *testing.T) {
	run(t, func() error {
		var p threadpool.ThreadPool
		require.NoError(t, p.Join(bg))
		cancelled, cancel := context.WithCancel(bg)
		cancel()
		require.NoError(t, p.Join(cancelled))
		_, err := threadpool.Apply(testctx.Within(t, 10*time.Second), &p, func() (int, error) { return 1, nil })
		require.NoError(t, err)
		require.NoError(t, p.Join(cancelled), "idle again once the call delivered")
		return p.Close()
	})
}

// TestJoinWaitsForAll: Join returns once every call, queued or running, has returned and
// delivered its result: every Result is ready then, and the pool is empty.
func TestJoinWaitsForAll(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		gate := make(chan struct{})
		rs := gated(p, gate, 5)
		var ready bool
		joiner := scheduler.Go(func() error {
			err := p.Join(ctx)
			ready = allReady(rs)
			return err
		})
		require.NoError(t, scheduler.Sleep(ctx, 0)) // the joiner starts and blocks in Join
		assert.False(t, joiner.Ready(), "Join returned with 5 calls queued or running")
		close(gate)
		require.NoError(t, joiner.Join(ctx))
		require.NoError(t, joiner.Err())
		assert.True(t, ready, "a Result was not ready when Join returned")
		assert.Zero(t, p.Len())
		return p.Close()
	})
}

// TestJoinWaitsForPostedResults: calls that returned and posted their results, which the hub has
// not run yet (the main greenlet holds it), still count: Join waits for the results to arrive.
func TestJoinWaitsForPostedResults(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		gate := make(chan struct{})
		rs := gated(p, gate, 3)
		close(gate)
		eventually(t, func() bool { return p.Len() == 0 }) // all posted: Len drops as each is posted
		assert.False(t, allReady(rs), "the hub ran a result while its main greenlet held it")
		require.NoError(t, p.Join(ctx))
		assert.True(t, allReady(rs), "Join returned before the posted results ran")
		return p.Close()
	})
}

// TestJoinExtendedBySubmit: a call accepted while Join waits extends the wait, as in gevent,
// whose join returns only when the queue is empty and nothing runs.
func TestJoinExtendedBySubmit(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		first, later := make(chan struct{}), make(chan struct{})
		a := gated(p, first, 1)
		var b []*threadpool.Result[int]
		var ready bool
		joiner := scheduler.Go(func() error {
			err := p.Join(ctx)
			ready = allReady(append(a, b...))
			return err
		})
		require.NoError(t, scheduler.Sleep(ctx, 0))
		b = gated(p, later, 1) // accepted while the joiner waits
		close(first)
		_, err = a[0].Get(ctx)
		require.NoError(t, err)
		assert.False(t, joiner.Ready(), "Join returned with a call running")
		close(later)
		require.NoError(t, joiner.Join(ctx))
		require.NoError(t, joiner.Err())
		assert.True(t, ready, "Join returned before the later call delivered")
		return p.Close()
	})
}

// TestJoinManyAtOnce: several greenlets join at once; all return when the work is done, and a
// joiner that submits work when it wakes holds back the ones woken after it.
func TestJoinManyAtOnce(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(3)
		require.NoError(t, err)
		gate, again := make(chan struct{}), make(chan struct{})
		gated(p, gate, 3)
		var more []*threadpool.Result[int]
		resubmit := scheduler.Go(func() error {
			if err := p.Join(ctx); err != nil {
				return err
			}
			more = gated(p, again, 2)
			return nil
		})
		joiners := make([]*scheduler.Greenlet[bool], 3)
		for i := range joiners {
			joiners[i] = scheduler.Spawn(func() (bool, error) {
				err := p.Join(ctx)
				return allReady(more), err
			})
		}
		require.NoError(t, scheduler.Sleep(ctx, 0))
		close(gate)
		require.NoError(t, resubmit.Join(ctx))
		require.NoError(t, resubmit.Err())
		require.Len(t, more, 2)
		close(again)
		for i, j := range joiners {
			ready, err := j.Get(ctx)
			require.NoError(t, err, "joiner %d", i)
			assert.True(t, ready, "joiner %d returned before the resubmitted calls delivered", i)
		}
		return p.Close()
	})
}

// TestJoinGivesUp: a Join whose ctx ends or whose greenlet is killed returns that error at once,
// names the call, and leaves nothing behind: the calls go on, a later Join returns when they are
// done, and the hub's loop then runs dry (no keep-alive or waiter left).
func TestJoinGivesUp(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		gate := make(chan struct{})
		rs := gated(p, gate, 2)

		err = p.Join(testctx.Within(t, 5*ms))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var te *threadpool.Error
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "ThreadPool.Join", te.Op)

		cancelled, cancel := context.WithCancel(bg)
		cancel()
		assert.ErrorIs(t, p.Join(cancelled), context.Canceled)

		cctx, cancel := context.WithCancel(bg)
		var cancelErr, killErr, timeoutErr error
		waiting := scheduler.Go(func() error { cancelErr = p.Join(cctx); return nil })
		require.NoError(t, scheduler.Sleep(ctx, 0))
		cancel()
		require.NoError(t, waiting.Join(ctx))
		assert.ErrorIs(t, cancelErr, context.Canceled)

		killed := scheduler.Go(func() error { killErr = p.Join(bg); return killErr })
		require.NoError(t, scheduler.Sleep(ctx, 0))
		require.NoError(t, killed.Kill(ctx, nil))
		assert.ErrorIs(t, killed.ExitErr(), scheduler.ErrGreenletExit)
		assert.ErrorIs(t, killErr, scheduler.ErrGreenletExit)

		timedOut := scheduler.Go(func() error {
			_, timeoutErr = scheduler.WithTimeout(5*ms, func() (struct{}, error) { return struct{}{}, p.Join(bg) })
			return nil
		})
		require.NoError(t, timedOut.Join(ctx))
		assert.ErrorIs(t, timeoutErr, scheduler.ErrTimeout)

		close(gate)
		require.NoError(t, p.Join(ctx))
		assert.True(t, allReady(rs))
		require.NoError(t, p.Close())
		return scheduler.CurrentHub().Join(testctx.Within(t, 5*time.Second))
	})
}

// TestJoinClosedPool: on a closed pool Join waits for the calls that were running when Close
// failed the queued ones, and returns nil at once after.
func TestJoinClosedPool(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		gate := make(chan struct{})
		started := make(chan struct{})
		running := threadpool.Spawn(p, func() (int, error) { close(started); <-gate; return 1, nil })
		queued := gated(p, gate, 1)
		<-started
		require.NoError(t, p.Close())
		var ready bool
		joiner := scheduler.Go(func() error {
			err := p.Join(ctx)
			ready = running.Ready() && queued[0].Ready()
			return err
		})
		require.NoError(t, scheduler.Sleep(ctx, 0))
		assert.False(t, joiner.Ready(), "Join returned with a call running")
		close(gate)
		require.NoError(t, joiner.Join(ctx))
		require.NoError(t, joiner.Err())
		assert.True(t, ready)
		assert.ErrorIs(t, queued[0].Err(), threadpool.ErrClosed)
		require.NoError(t, p.Join(ctx))
		return nil
	})
}

// TestJoinRefused: Join is refused as Apply is: from a plain goroutine and the hub greenlet with
// ErrNotGreenlet, changing nothing; a nil pool or ctx is ErrNilArgument; once the pool's hub is
// destroyed a plain goroutine gets ErrHubDestroyed.
func TestJoinRefused(t *testing.T) {
	var p *threadpool.ThreadPool
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		var err error
		p, err = threadpool.New(1)
		require.NoError(t, err)
		gate := make(chan struct{})
		rs := gated(p, gate, 1)
		errs := map[string]error{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			errs["goroutine"] = p.Join(bg)
		}()
		<-done
		scheduler.CurrentHub().RunCallback(func() { errs["hub"] = p.Join(ctx) })
		for errs["hub"] == nil {
			require.NoError(t, scheduler.Sleep(ctx, ms))
		}
		for where, err := range errs {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, where)
			var te *threadpool.Error
			require.ErrorAs(t, err, &te, where)
			assert.Equal(t, "ThreadPool.Join", te.Op, where)
		}
		var nilCtx context.Context
		assert.ErrorIs(t, p.Join(nilCtx), scheduler.ErrNilArgument)
		assert.ErrorIs(t, (*threadpool.ThreadPool)(nil).Join(ctx), scheduler.ErrNilArgument)
		close(gate)
		require.NoError(t, p.Join(ctx), "the refused calls changed nothing")
		assert.True(t, allReady(rs))
		return nil
	})
	assert.ErrorIs(t, p.Join(bg), scheduler.ErrHubDestroyed)
	require.NoError(t, p.Close())
}

// TestJoinAfterHubDestroyed: on the next hub of a pool whose hub was destroyed with a call still
// running, Join waits for that call too (it holds a worker), keeping the new hub's loop alive
// meanwhile though nothing of that hub's is in flight.
func TestJoinAfterHubDestroyed(t *testing.T) {
	p, err := threadpool.New(1)
	require.NoError(t, err)
	gate, started := make(chan struct{}), make(chan struct{})
	var old *threadpool.Result[int]
	run(t, func() error {
		old = threadpool.Spawn(p, func() (int, error) { close(started); <-gate; return 1, nil })
		<-started // running, not queued: a queued call of a destroyed hub is skipped
		return nil
	})
	var parked atomic.Bool
	go func() {
		defer close(gate) // in 10s at the latest, so that a Join that failed to see it ends too
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(ms) {
			if parkedIn("threadpool.(*ThreadPool).Join") {
				parked.Store(true)
				return
			}
		}
	}()
	run(t, func() error {
		// A context that cannot end: it would keep the loop alive itself.
		require.NoError(t, p.Join(bg), "the new hub's loop ran dry while Join waited")
		assert.Zero(t, p.Len(), "Join returned with the old hub's call running")
		assert.True(t, parked.Load(), "Join returned before the old hub's call did")
		return nil
	})
	assert.False(t, old.Successful(), "its hub was gone: the result was dropped")
	require.NoError(t, p.Close())
}
