package pool_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// blocked fills p's slots with greenlets waiting for the returned event.
func blocked(t *testing.T, p *pool.Pool) *event.Event {
	t.Helper()
	release := &event.Event{}
	for range p.Size() {
		_, err := pool.Spawn(bg, p, func() (int, error) { return 0, release.Wait(bg) })
		require.NoError(t, err)
	}
	require.True(t, p.Full())
	return release
}

// catcher returns a body that counts the errors thrown into its sleep,
// catching them, until release is set.
func catcher(release *event.Event, kills *int) func() (int, error) {
	return func() (int, error) {
		for !release.IsSet() {
			if err := release.Wait(bg); err != nil {
				*kills++
			}
		}
		return 0, nil
	}
}

// TestKillOne: KillOne kills a member and returns once it is dead and has
// left the group; a greenlet that is not a member is left alone; a dead
// one costs nothing; the error raised is the one given.
func TestKillOne(t *testing.T) {
	run(t, func() error {
		// b fails with stop; the test reads that from b.
		scheduler.CurrentHub().SetErrorHandler(func(error) {})
		g := pool.NewGroup()
		sleep := func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) }
		a, err := pool.Spawn(bg, g, sleep)
		require.NoError(t, err)
		b, err := pool.Spawn(bg, g, sleep)
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, g.KillOne(bg, a, nil))
		assert.True(t, a.Dead())
		assert.ErrorIs(t, a.ExitErr(), scheduler.ErrGreenletExit)
		assert.False(t, g.Contains(a), "a left the group before KillOne returned")
		assert.Equal(t, 1, g.Len())
		require.NoError(t, g.KillOne(bg, a, nil), "a dead non-member")

		outsider := scheduler.Spawn(sleep)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, g.KillOne(bg, outsider, nil))
		require.NoError(t, g.KillOneAsync(outsider, nil))
		assert.False(t, outsider.Dead(), "a non-member is not killed")
		require.NoError(t, outsider.Kill(bg, nil))

		stop := errors.New("stop")
		require.NoError(t, g.KillOneAsync(b, stop))
		assert.False(t, b.Dead(), "KillOneAsync does not wait")
		require.NoError(t, b.Join(bg))
		assert.ErrorIs(t, b.Err(), stop)
		assert.Zero(t, g.Len())
		return nil
	})
}

// TestKillOneDying: a member already being killed gets no second kill from
// KillOne, KillOneAsync, Kill or KillAsync (gevent's dying set), yet
// KillOne waits for it to finish, where gevent's killone returns at once;
// its context ends the wait with the context's error.
func TestKillOneDying(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		var release event.Event
		kills := 0
		r, err := pool.Spawn(bg, g, catcher(&release, &kills))
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, g.KillOneAsync(r, nil))
		require.NoError(t, g.KillOneAsync(r, nil))
		require.NoError(t, g.KillAsync(nil))
		err = g.KillOne(testctx.Within(t, 5*time.Millisecond), r, nil)
		assert.ErrorIs(t, err, scheduler.ErrTimeout, "KillOne waited for the dying member")
		var pe *pool.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "Group.KillOne", pe.Op)
		assert.Equal(t, 1, kills, "the kill was raised once")
		assert.True(t, g.Contains(r))

		done := make(chan error, 1)
		killer := scheduler.Go(func() error { done <- g.KillOne(bg, r, nil); return nil })
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Empty(t, done, "KillOne waits")
		release.Set()
		require.NoError(t, killer.Join(bg))
		require.NoError(t, <-done)
		assert.True(t, r.Dead())
		assert.Equal(t, 1, kills)
		return nil
	})
}

// TestKillOneSelf: a member killing itself through the group gets the kill
// in its own wait, as in gevent.
func TestKillOneSelf(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		var selfErr error
		r, err := pool.Spawn(bg, g, func() (int, error) {
			selfErr = g.KillOne(bg, scheduler.GetCurrent(), nil)
			return 0, selfErr
		})
		require.NoError(t, err)
		require.NoError(t, g.Join(testctx.Within(t, 5*time.Second)))
		assert.ErrorIs(t, selfErr, scheduler.ErrGreenletExit)
		assert.ErrorIs(t, r.ExitErr(), scheduler.ErrGreenletExit)
		return nil
	})
}

// TestStart: Group.Start adds a created greenlet and starts it; Pool.Start
// waits for a slot first, or until its context ends (then the greenlet
// neither joins nor starts); TryStart and Group.Start on a full pool fail
// with ErrPoolFull the same way; a greenlet that cannot start is not kept.
func TestStart(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		x := scheduler.New(func() (int, error) { return 1, nil })
		require.NoError(t, g.Start(x))
		assert.True(t, g.Contains(x))
		assert.True(t, x.Started())
		require.NoError(t, g.Start(x), "starting a member again")
		require.NoError(t, g.Join(bg))
		assert.Equal(t, 1, x.Value())

		var nilBody func() (int, error)
		bad := scheduler.New(nilBody)
		err := g.Start(bad)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		assert.False(t, g.Contains(bad), "a greenlet that cannot start is not kept")
		assert.Zero(t, g.Len())

		p := mustNew(t, 1)
		release := blocked(t, p)
		y := scheduler.New(func() (int, error) { return 2, nil })
		for name, err := range map[string]error{
			"Pool.TryStart":  p.TryStart(y),
			"Group.Start":    p.Group.Start(y),
			"Pool.Start ctx": p.Start(testctx.Within(t, time.Millisecond), y),
		} {
			if name == "Pool.Start ctx" {
				assert.ErrorIs(t, err, scheduler.ErrTimeout, name)
			} else {
				assert.ErrorIs(t, err, pool.ErrPoolFull, name)
			}
			assert.False(t, p.Contains(y), name)
			assert.False(t, y.Started(), name)
		}
		starter := scheduler.Go(func() error { return p.Start(bg, y) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.False(t, y.Started(), "Pool.Start waits for a slot")
		release.Set()
		require.NoError(t, starter.Join(bg))
		require.NoError(t, starter.Err())
		v, err := y.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		require.NoError(t, p.Join(bg))
		assert.Equal(t, 1, p.FreeCount())
		return nil
	})
}

// TestGroupFreeCountAndWaitAvailable: a Group, like an unbounded Pool,
// answers 1 and never waits; a bounded Pool's Group counts its slots as
// the Pool does.
func TestGroupFreeCountAndWaitAvailable(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		for range 3 {
			_, err := pool.Spawn(bg, g, func() (int, error) { return 0, scheduler.Sleep(bg, 0) })
			require.NoError(t, err)
		}
		assert.Equal(t, 1, g.FreeCount())
		n, err := g.WaitAvailable(bg)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		require.NoError(t, g.Join(bg))

		p := mustNew(t, 2)
		assert.Equal(t, 2, p.Group.FreeCount())
		release := blocked(t, p)
		assert.Zero(t, p.Group.FreeCount())
		_, err = p.Group.WaitAvailable(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		var pe *pool.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "Group.WaitAvailable", pe.Op)
		release.Set()
		n, err = p.Group.WaitAvailable(bg)
		require.NoError(t, err)
		assert.Positive(t, n)
		require.NoError(t, p.Join(bg))
		assert.Equal(t, 2, p.Group.FreeCount())

		var nilGroup *pool.Group
		var nilPool *pool.Pool
		assert.Zero(t, nilGroup.FreeCount())
		assert.Zero(t, nilPool.FreeCount())
		return nil
	})
}
