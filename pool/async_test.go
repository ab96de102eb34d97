package pool_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// eventually polls cond from a greenlet, a hub turn or a millisecond at a
// time, until it holds or 5 seconds passed.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		require.True(t, time.Now().Before(deadline), msg)
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
	}
}

// recorder is a callback that records the values it got and the greenlet
// it ran in.
type recorder struct {
	got []int
	in  []scheduler.Runnable
	err error // returned by the callback
}

func (r *recorder) callback(v int) error {
	r.got = append(r.got, v)
	r.in = append(r.in, scheduler.GetCurrent())
	return r.err
}

// TestApplyAsyncFreeSlot: with a free slot ApplyAsync returns fn's
// greenlet, a member, at once, and the callback runs with the value from
// its link, in a greenlet of its own, before a Get of the greenlet returns.
func TestApplyAsyncFreeSlot(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 2)
		var rec recorder
		gr, err := pool.ApplyAsync(p, func() (int, error) { return 7, scheduler.Sleep(bg, 0) }, rec.callback)
		require.NoError(t, err)
		assert.True(t, p.Contains(gr), "fn's greenlet is a member")
		assert.False(t, gr.Ready(), "ApplyAsync did not wait")
		v, err := gr.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		assert.Equal(t, []int{7}, rec.got, "the link ran the callback")
		require.Len(t, rec.in, 1)
		assert.NotEqual(t, scheduler.Runnable(gr), rec.in[0], "the callback has a greenlet of its own")

		// A Group has no limit: always the member; no callback is fine.
		g := pool.NewGroup()
		gr, err = pool.ApplyAsync(g, func() (int, error) { return 8, nil }, nil)
		require.NoError(t, err)
		assert.True(t, g.Contains(gr))
		v, err = gr.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 8, v)
		return p.Join(bg)
	})
}

// TestApplyAsyncFullPool: on a full pool ApplyAsync still returns at once,
// a greenlet that is not a member, which runs fn in a member once a slot
// frees and then spawns the callback; killed while it waits, fn never runs.
func TestApplyAsyncFullPool(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 1)
		release := blocked(t, p)
		var rec recorder
		var inMember bool
		gr, err := pool.ApplyAsync(p, func() (int, error) {
			inMember = p.Contains(scheduler.GetCurrent())
			return 9, nil
		}, rec.callback)
		require.NoError(t, err)
		assert.False(t, p.Contains(gr), "the waiting greenlet is no member")
		assert.Equal(t, 1, p.Len())

		ran := false
		killed, err := pool.ApplyAsync(p, func() (int, error) { ran = true; return 0, nil }, rec.callback)
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, killed.Kill(testctx.Within(t, time.Second), nil))
		assert.ErrorIs(t, killed.ExitErr(), scheduler.ErrGreenletExit)

		release.Set()
		v, err := gr.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 9, v)
		assert.True(t, inMember, "fn ran in a member of the pool")
		eventually(t, func() bool { return len(rec.got) == 1 }, "the callback never ran")
		assert.Equal(t, []int{9}, rec.got)
		assert.NotEqual(t, scheduler.Runnable(gr), rec.in[0])
		require.NoError(t, p.Join(bg))
		assert.False(t, ran, "the killed ApplyAsync's fn never ran")
		assert.Equal(t, 1, p.FreeCount())
		return nil
	})
}

// TestApplyAsyncFailure: a failure of fn is the greenlet's error and skips
// the callback, on both paths; an error of the callback goes to the hub's
// error handler.
func TestApplyAsyncFailure(t *testing.T) {
	run(t, func() error {
		var reports []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reports = append(reports, err) })
		boom := errors.New("boom")
		p := mustNew(t, 1)
		var rec recorder
		free, err := pool.ApplyAsync(p, func() (int, error) { return 0, boom }, rec.callback)
		require.NoError(t, err)
		release := blocked(t, p)
		full, err := pool.ApplyAsync(p, func() (int, error) { return 0, boom }, rec.callback)
		require.NoError(t, err)
		release.Set()
		for name, gr := range map[string]*scheduler.Greenlet[int]{"free": free, "full": full} {
			_, err := gr.Get(bg)
			assert.ErrorIs(t, err, boom, name)
		}
		require.NoError(t, p.Join(bg))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Empty(t, rec.got, "a failure skips the callback")

		cbErr := errors.New("callback broke")
		rec.err = cbErr
		gr, err := pool.ApplyAsync(p, func() (int, error) { return 1, nil }, rec.callback)
		require.NoError(t, err)
		require.NoError(t, gr.Join(bg))
		assert.True(t, gr.Successful(), "the callback's error is not fn's")
		eventually(t, func() bool { return slices.ContainsFunc(reports, func(e error) bool { return errors.Is(e, cbErr) }) },
			"the callback's error was not reported")
		i := slices.IndexFunc(reports, func(e error) bool { return errors.Is(e, cbErr) })
		var pe *pool.Error
		require.ErrorAs(t, reports[i], &pe)
		assert.Equal(t, "ApplyAsync callback", pe.Op)
		return nil
	})
}

// TestApplyCallback: ApplyCallback returns fn's result without waiting for
// the callback, which then runs in a greenlet of its own; a failure skips
// it; from a member of a full pool fn runs in the caller, as Apply's does.
func TestApplyCallback(t *testing.T) {
	run(t, func() error {
		// The failing greenlets are reported too; the test reads the calls.
		scheduler.CurrentHub().SetErrorHandler(func(error) {})
		p := mustNew(t, 1)
		var rec recorder
		v, err := pool.ApplyCallback(bg, p, func() (int, error) { return 3, nil }, rec.callback)
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		assert.Empty(t, rec.got, "ApplyCallback does not wait for the callback")
		eventually(t, func() bool { return len(rec.got) == 1 }, "the callback never ran")
		assert.Equal(t, []int{3}, rec.got)
		assert.NotNil(t, rec.in[0], "the callback ran in a greenlet spawned for it")

		boom := errors.New("boom")
		_, err = pool.ApplyCallback(bg, p, func() (int, error) { return 0, boom }, rec.callback)
		assert.ErrorIs(t, err, boom)

		outer, err := pool.Spawn(bg, p, func() (int, error) {
			return pool.ApplyCallback(bg, p, func() (int, error) { return 4, nil }, rec.callback)
		})
		require.NoError(t, err)
		v, err = outer.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 4, v)
		eventually(t, func() bool { return len(rec.got) == 2 }, "the callback never ran")
		assert.Equal(t, []int{3, 4}, rec.got, "the failure skipped its callback")

		_, err = pool.ApplyCallback(testctx.Within(t, time.Millisecond), p, func() (int, error) {
			return 0, scheduler.Sleep(bg, time.Second)
		}, rec.callback)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		return p.Kill(bg, nil)
	})
}

// TestMapAsync: MapAsync returns at once a greenlet that is no member,
// whose value is the results in the order of items; the callback runs in
// it before it finishes; items is copied; a failure skips the callback,
// whose own error or panic fails the greenlet.
func TestMapAsync(t *testing.T) {
	run(t, func() error {
		scheduler.CurrentHub().SetErrorHandler(func(error) {})
		p := mustNew(t, 2)
		sq := func(x int) (int, error) { return x * x, scheduler.Sleep(bg, 0) }
		var cbIn scheduler.Runnable
		var cbGot []int
		items := []int{1, 2, 3, 4}
		gr, err := pool.MapAsync(p, sq, items, func(vs []int) error {
			cbIn, cbGot = scheduler.GetCurrent(), slices.Clone(vs)
			return nil
		})
		require.NoError(t, err)
		items[0] = 100
		assert.False(t, p.Contains(gr))
		assert.False(t, gr.Ready(), "MapAsync did not wait")
		vs, err := gr.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, []int{1, 4, 9, 16}, vs)
		assert.Equal(t, vs, cbGot)
		assert.Equal(t, scheduler.Runnable(gr), cbIn, "the callback ran in the greenlet")

		boom := errors.New("boom")
		called := false
		gr, err = pool.MapAsync(p, func(x int) (int, error) {
			if x == 2 {
				return 0, boom
			}
			return x, nil
		}, []int{1, 2, 3}, func([]int) error { called = true; return nil })
		require.NoError(t, err)
		_, err = gr.Get(bg)
		assert.ErrorIs(t, err, boom)
		assert.False(t, called, "a failure skips the callback")

		cbErr := errors.New("callback broke")
		gr, err = pool.MapAsync(p, sq, []int{1}, func([]int) error { return cbErr })
		require.NoError(t, err)
		_, err = gr.Get(bg)
		assert.ErrorIs(t, err, cbErr)
		gr, err = pool.MapAsync(p, sq, []int{1}, func([]int) error { panic("callback panicked") })
		require.NoError(t, err)
		_, err = gr.Get(bg)
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "callback panicked", pe.Value)

		gr, err = pool.MapAsync(p, sq, nil, nil)
		require.NoError(t, err)
		vs, err = gr.Get(bg)
		require.NoError(t, err)
		assert.Empty(t, vs)
		return p.Join(bg)
	})
}

// TestMapAsyncKilled: killing MapAsync's greenlet while it waits for a slot
// stops the spawning; what it spawned runs on in the pool.
func TestMapAsyncKilled(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 1)
		release := blocked(t, p)
		var ran []int
		gr, err := pool.MapAsync(p, func(x int) (int, error) { ran = append(ran, x); return x, nil }, []int{1, 2}, nil)
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, gr.Kill(testctx.Within(t, time.Second), nil))
		release.Set()
		require.NoError(t, p.Join(bg))
		assert.Empty(t, ran, "no item ran after the kill")
		return nil
	})
}

// TestMapCallback: the callback runs in the caller with the results, and
// its error comes back with them; a failure of Map skips it.
func TestMapCallback(t *testing.T) {
	run(t, func() error {
		scheduler.CurrentHub().SetErrorHandler(func(error) {})
		g := pool.NewGroup()
		var in scheduler.Runnable
		var vs []int
		var err error
		cbErr := errors.New("callback broke")
		caller := scheduler.Go(func() error {
			vs, err = pool.MapCallback(bg, g, func(x int) (int, error) { return x + 1, nil }, []int{1, 2}, func(vs []int) error {
				in = scheduler.GetCurrent()
				assert.Equal(t, []int{2, 3}, vs)
				return cbErr
			})
			return nil
		})
		require.NoError(t, caller.Join(bg))
		assert.ErrorIs(t, err, cbErr)
		assert.Equal(t, []int{2, 3}, vs, "the results come with the callback's error")
		assert.Equal(t, scheduler.Runnable(caller), in, "the callback ran in the caller")

		boom := errors.New("boom")
		called := false
		_, err = pool.MapCallback(bg, g, func(int) (int, error) { return 0, boom }, []int{1}, func([]int) error { called = true; return nil })
		assert.ErrorIs(t, err, boom)
		assert.False(t, called)

		vs, err = pool.MapCallback(bg, g, func(x int) (int, error) { return x, nil }, []int{5}, nil)
		require.NoError(t, err)
		assert.Equal(t, []int{5}, vs)

		ctx, cancel := context.WithCancel(bg)
		cancel()
		_, err = pool.MapCallback(ctx, g, func(x int) (int, error) { return x, scheduler.Sleep(bg, 0) }, []int{5}, nil)
		assert.ErrorIs(t, err, context.Canceled)
		var pe *pool.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "MapCallback", pe.Op)
		return g.Join(bg)
	})
}
