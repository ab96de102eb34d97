package threadpool_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// TestApplyCallback: the callback runs after fn, with fn's value, in the calling greenlet (as
// gevent's ThreadPool.apply_cb calls it), where it may block, and before ApplyCallback returns;
// its error is returned with fn's value. An error or a panic of fn skips it; a nil callback is
// Apply.
func TestApplyCallback(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		caller := scheduler.GetCurrent()
		var got int
		var in scheduler.Runnable
		v, err := threadpool.ApplyCallback(ctx, p, func() (int, error) { time.Sleep(2 * ms); return 42, nil }, func(v int) error {
			in = scheduler.GetCurrent()
			if err := scheduler.Sleep(ctx, ms); err != nil { // the callback may block
				return err
			}
			got = v
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, 42, v)
		assert.Equal(t, 42, got, "the callback ran before ApplyCallback returned")
		assert.Equal(t, caller, in, "the callback runs in the calling greenlet")

		cbErr := errors.New("callback failed")
		v, err = threadpool.ApplyCallback(ctx, p, func() (int, error) { return 7, nil }, func(int) error { return cbErr })
		assert.Equal(t, cbErr, err, "callback's error as it returned it")
		assert.Equal(t, 7, v, "with fn's value")

		boom := errors.New("boom")
		called := false
		v, err = threadpool.ApplyCallback(ctx, p, func() (int, error) { return 3, boom }, func(int) error { called = true; return nil })
		assert.Equal(t, boom, err)
		assert.Equal(t, 3, v)
		assert.False(t, called, "no callback after fn's error")

		_, err = threadpool.ApplyCallback(ctx, p, func() (int, error) { panic("fn") }, func(int) error { called = true; return nil })
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "fn", pe.Value)
		assert.False(t, called, "no callback after fn's panic")

		v, err = threadpool.ApplyCallback(ctx, p, func() (int, error) { return 9, nil }, nil)
		require.NoError(t, err)
		assert.Equal(t, 9, v)
		return p.Close()
	})
}

// TestMapCallback: the callback gets the values in item order in the calling greenlet before
// MapCallback returns them, with its error; Map's first error skips it; no items still calls it.
func TestMapCallback(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		caller := scheduler.GetCurrent()
		var seen []string
		var in scheduler.Runnable
		out, err := threadpool.MapCallback(ctx, p, func(i int) (string, error) {
			time.Sleep(time.Duration(4-i) * ms)
			return string(rune('a' + i)), nil
		}, []int{0, 1, 2, 3}, func(vs []string) error {
			in = scheduler.GetCurrent()
			seen = slices.Clone(vs)
			return scheduler.Sleep(ctx, ms) // the callback may block
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b", "c", "d"}, out)
		assert.Equal(t, out, seen)
		assert.Equal(t, caller, in, "the callback runs in the calling greenlet")

		cbErr := errors.New("callback failed")
		ints, err := threadpool.MapCallback(ctx, p, func(i int) (int, error) { return i, nil }, []int{1, 2}, func([]int) error { return cbErr })
		assert.Equal(t, cbErr, err)
		assert.Equal(t, []int{1, 2}, ints, "the values with callback's error")

		boom1, boom3 := errors.New("boom1"), errors.New("boom3")
		called := false
		ints, err = threadpool.MapCallback(ctx, p, func(i int) (int, error) {
			switch i {
			case 1:
				time.Sleep(5 * ms)
				return 0, boom1
			case 3:
				return 0, boom3
			}
			return i + 10, nil
		}, []int{0, 1, 2, 3}, func([]int) error { called = true; return nil })
		assert.ErrorIs(t, err, boom1, "the first error in item order")
		assert.Equal(t, []int{10}, ints)
		assert.False(t, called, "no callback after an error")

		ints, err = threadpool.MapCallback(ctx, p, func(i int) (int, error) { return i, nil }, nil, func([]int) error { called = true; return nil })
		require.NoError(t, err)
		assert.Empty(t, ints)
		assert.True(t, called)
		drain(t, p)
		return p.Close()
	})
}

// TestCallbackContext: when ctx ends before fn returns, ApplyCallback and MapCallback return
// ctx's error named after them, and the callback never runs, not even once fn returns; the calls
// not started by then are skipped.
func TestCallbackContext(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		var ran, called atomic.Int32
		_, err = threadpool.ApplyCallback(testctx.Within(t, 20*ms), p, func() (int, error) {
			ran.Add(1)
			<-release
			return 1, nil
		}, func(int) error { called.Add(1); return nil })
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var te *threadpool.Error
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "ApplyCallback", te.Op)

		cancelled, cancel := context.WithCancel(ctx)
		mapping := scheduler.Spawn(func() ([]int, error) {
			return threadpool.MapCallback(cancelled, p, func(i int) (int, error) { ran.Add(1); return i, nil }, []int{1, 2},
				func([]int) error { called.Add(1); return nil })
		})
		require.NoError(t, scheduler.Sleep(ctx, 0)) // MapCallback queued its calls behind the first
		cancel()
		require.NoError(t, mapping.Join(ctx))
		assert.ErrorIs(t, mapping.Err(), context.Canceled)
		require.ErrorAs(t, mapping.Err(), &te)
		assert.Equal(t, "MapCallback", te.Op)

		killed := scheduler.Spawn(func() (int, error) {
			return threadpool.ApplyCallback(ctx, p, func() (int, error) { ran.Add(1); return 1, nil }, func(int) error { called.Add(1); return nil })
		})
		require.NoError(t, scheduler.Sleep(ctx, 0))
		require.NoError(t, killed.Kill(ctx, nil))
		assert.ErrorIs(t, killed.ExitErr(), scheduler.ErrGreenletExit)

		close(release)
		require.NoError(t, p.Join(ctx))
		assert.Equal(t, int32(1), ran.Load(), "only the call running when its caller gave up ran")
		assert.Zero(t, called.Load(), "no callback after a wait that ended early")
		return p.Close()
	})
}

// TestCallbackRefused: from a goroutine that is not a greenlet of the pool's hub, and from the
// hub greenlet itself, ApplyCallback and MapCallback report ErrNotGreenlet and run neither fn
// nor callback (and create no hub); a nil ctx or fn is ErrNilArgument, a closed pool ErrClosed,
// each named after the call.
func TestCallbackRefused(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var ran, called atomic.Int32
		fn := func(i int) (int, error) { ran.Add(1); return i, nil }
		calls := func() map[string]error {
			return map[string]error{
				"ApplyCallback": errOf(threadpool.ApplyCallback(ctx, p, func() (int, error) { return fn(1) },
					func(int) error { called.Add(1); return nil })),
				"MapCallback": errOf(threadpool.MapCallback(ctx, p, fn, []int{1, 2},
					func([]int) error { called.Add(1); return nil })),
			}
		}
		var foreign map[string]error
		hubCreated := false
		done := make(chan struct{})
		go func() {
			defer close(done)
			foreign = calls()
			hubCreated = scheduler.CurrentHub() != nil
		}()
		<-done
		var inHub map[string]error
		scheduler.CurrentHub().RunCallback(func() { inHub = calls() })
		waitFor(t, func() bool { return inHub != nil })
		for _, errs := range []map[string]error{foreign, inHub} {
			require.Len(t, errs, 2)
			for name, err := range errs {
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
				var te *threadpool.Error
				require.ErrorAs(t, err, &te, name)
				assert.Equal(t, name, te.Op)
			}
		}
		assert.False(t, hubCreated, "a refused call created a hub for the foreign goroutine")

		var nilCtx context.Context
		_, err = threadpool.ApplyCallback(nilCtx, p, func() (int, error) { return fn(1) }, func(int) error { called.Add(1); return nil })
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = threadpool.ApplyCallback(ctx, p, nil, func(int) error { called.Add(1); return nil })
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = threadpool.MapCallback(ctx, p, nil, []int{1}, func([]int) error { called.Add(1); return nil })
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = threadpool.MapCallback(ctx, nil, fn, []int{1}, func([]int) error { called.Add(1); return nil })
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)

		require.NoError(t, p.Close())
		for name, err := range calls() {
			assert.ErrorIs(t, err, threadpool.ErrClosed, name)
		}
		assert.Zero(t, ran.Load(), "a refused call ran fn")
		assert.Zero(t, called.Load(), "a refused call ran its callback")
		return nil
	})
}
