package pool_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

func run(t testing.TB, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

func mustNew(t testing.TB, size int) *pool.Pool {
	t.Helper()
	p, err := pool.New(size)
	require.NoError(t, err)
	return p
}

func TestNewSizes(t *testing.T) {
	_, err := pool.New(-2)
	assert.ErrorIs(t, err, pool.ErrBadSize)
	var pe *pool.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "New", pe.Op)
	assert.Equal(t, pool.Unbounded, mustNew(t, pool.Unbounded).Size())
	assert.Equal(t, pool.Unbounded, (&pool.Pool{}).Size())
	assert.Equal(t, 3, mustNew(t, 3).Size())
}

func TestPoolLimitAndFull(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 2)
		running, peak := 0, 0
		for range 6 {
			_, err := pool.Spawn(bg, p, func() (int, error) {
				running++
				peak = max(peak, running)
				err := scheduler.Sleep(bg, time.Millisecond)
				running--
				return 0, err
			})
			require.NoError(t, err)
		}
		assert.True(t, p.Full())
		_, err := pool.TrySpawn(p, func() (int, error) { return 0, nil })
		assert.ErrorIs(t, err, pool.ErrPoolFull)
		assert.ErrorIs(t, err, queue.ErrFull)
		require.NoError(t, p.Join(bg))
		assert.Equal(t, 2, peak)
		assert.Equal(t, 2, p.FreeCount())
		return nil
	})
}

func TestMapErrorsAndImapBreak(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		boom := errors.New("boom")
		out, err := pool.Map(bg, g, func(x int) (int, error) {
			if x == 2 {
				return 0, boom
			}
			return x, nil
		}, []int{0, 1, 2, 3})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, []int{0, 1, 0, 3}, out)
		p := mustNew(t, 2)
		n := 0
		for v, err := range pool.Imap(bg, p, func(x int) (int, error) { return x, scheduler.Sleep(bg, 0) }, slices.Values([]int{0, 1, 2, 3, 4, 5})) {
			require.NoError(t, err)
			assert.Equal(t, n, v)
			n++
			if n == 2 {
				break
			}
		}
		// The killed greenlets leave the pool from their links, a hub turn
		// later.
		require.NoError(t, p.Join(testctx.Within(t, time.Second)), "breaking out killed the rest")
		return nil
	})
}

func TestImapOrders(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 4)
		// Item x finishes after 4-x turns: the last finishes first.
		f := func(x int) (int, error) {
			for range 4 - x {
				if err := scheduler.Sleep(bg, 0); err != nil {
					return 0, err
				}
			}
			return x, nil
		}
		collect := func(seq iter.Seq2[int, error]) []int {
			var out []int
			for v, err := range seq {
				require.NoError(t, err)
				out = append(out, v)
			}
			return out
		}
		assert.Equal(t, []int{0, 1, 2, 3}, collect(pool.Imap(bg, p, f, slices.Values([]int{0, 1, 2, 3}))))
		assert.Equal(t, []int{3, 2, 1, 0}, collect(pool.ImapUnordered(bg, p, f, slices.Values([]int{0, 1, 2, 3}))))
		return nil
	})
}

func TestGroupKill(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		boom := errors.New("boom")
		bad, err := pool.Spawn(bg, g, func() (int, error) { return 0, boom })
		require.NoError(t, err)
		long, err := pool.Spawn(bg, g, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, bad.Dead())
		require.NoError(t, g.Kill(bg, nil))
		assert.True(t, long.Dead())
		assert.True(t, long.Successful(), "GreenletExit counts as success")
		assert.Equal(t, 0, g.Len())

		// KillAsync raises and returns; Join sees the custom error.
		stop := errors.New("stop")
		a, err := pool.Spawn(bg, g, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, g.KillAsync(stop))
		assert.False(t, a.Dead(), "KillAsync does not wait")
		assert.ErrorIs(t, g.Join(bg), stop)
		assert.ErrorIs(t, a.Err(), stop)
		return nil
	})
}

// TestKillContext: a member that catches the kill keeps Kill waiting until
// its context ends, with the context's error.
func TestKillContext(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		var release event.Event
		stubborn, err := pool.Spawn(bg, g, func() (int, error) {
			_ = scheduler.Sleep(bg, time.Hour) // the kill; caught
			return 0, release.Wait(bg)
		})
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		err = g.Kill(testctx.Within(t, 5*time.Millisecond), nil)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var pe *pool.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "Group.Kill", pe.Op)
		assert.True(t, g.Contains(stubborn))
		release.Set()
		require.NoError(t, g.Join(bg))
		return nil
	})
}

// failOn returns a body that waits for e and then fails with err.
func failOn(e *event.Event, err error) func() (int, error) {
	return func() (int, error) {
		if werr := e.Wait(bg); werr != nil {
			return 0, werr
		}
		return 0, err
	}
}

// TestJoinFirstFailure: Join returns the failure of the greenlet that
// failed first among those in the group when it started, in finishing
// order, not insertion order; a greenlet added during the Join that fails
// even earlier does not count; a member Discarded during the Join that
// failed meanwhile still does when no other failed (gevent checks the list
// taken at the start).
func TestJoinFirstFailure(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		errA, errB, errD := errors.New("a"), errors.New("b"), errors.New("d")
		var ea, eb, ed event.Event
		_, err := pool.Spawn(bg, g, failOn(&ea, errA))
		require.NoError(t, err)
		_, err = pool.Spawn(bg, g, failOn(&eb, errB))
		require.NoError(t, err)
		ctl := scheduler.Go(func() error {
			// Runs once Join waits.
			if _, err := pool.Spawn(bg, g, failOn(&ed, errD)); err != nil {
				return err
			}
			ed.Set()
			if err := scheduler.Sleep(bg, 0); err != nil {
				return err
			}
			eb.Set()
			if err := scheduler.Sleep(bg, 0); err != nil {
				return err
			}
			ea.Set()
			return nil
		})
		assert.ErrorIs(t, g.Join(bg), errB)
		require.NoError(t, ctl.Join(bg))
		assert.True(t, ctl.Successful())

		// The discarded member.
		var ec, eok event.Event
		c, err := pool.Spawn(bg, g, failOn(&ec, errA))
		require.NoError(t, err)
		_, err = pool.Spawn(bg, g, failOn(&eok, nil))
		require.NoError(t, err)
		ctl = scheduler.Go(func() error {
			if err := g.Discard(c); err != nil {
				return err
			}
			ec.Set()
			if err := c.Join(bg); err != nil {
				return err
			}
			eok.Set()
			return nil
		})
		assert.ErrorIs(t, g.Join(bg), errA)
		require.NoError(t, ctl.Join(bg))
		assert.True(t, ctl.Successful())

		// Nothing failed, or the group was empty.
		_, err = pool.Spawn(bg, g, func() (int, error) { return 1, nil })
		require.NoError(t, err)
		assert.NoError(t, g.Join(bg))
		assert.NoError(t, g.Join(bg))
		return nil
	})
}

// TestJoinContext: Join ends with its context, a deadline matching
// ErrTimeout and DeadlineExceeded, a cancel context.Canceled.
func TestJoinContext(t *testing.T) {
	run(t, func() error {
		var g pool.Group
		var release event.Event
		_, err := pool.Spawn(bg, &g, func() (int, error) { return 0, release.Wait(bg) })
		require.NoError(t, err)
		err = g.Join(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		ctx, cancel := context.WithCancel(bg)
		cancel()
		assert.ErrorIs(t, g.Join(ctx), context.Canceled)
		assert.Equal(t, 1, g.Len())
		release.Set()
		return g.Join(bg)
	})
}

// TestTryAddOnFullPool: TryAdd, TrySpawn and Group.Add on a full pool fail
// with ErrPoolFull at once and take nothing; the greenlet is not tracked.
func TestTryAddOnFullPool(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 1)
		var release event.Event
		busy, err := pool.Spawn(bg, p, func() (int, error) { return 0, release.Wait(bg) })
		require.NoError(t, err)
		other := scheduler.New(func() (int, error) { return 2, nil })
		err = p.TryAdd(other)
		assert.ErrorIs(t, err, pool.ErrPoolFull)
		assert.ErrorIs(t, err, queue.ErrFull)
		assert.ErrorIs(t, p.Group.Add(other), pool.ErrPoolFull)
		assert.False(t, p.Contains(other))
		assert.Equal(t, 1, p.Len())
		assert.Equal(t, 0, p.FreeCount())

		// Adding a member again takes no second slot.
		require.NoError(t, p.TryAdd(busy))
		require.NoError(t, p.Add(bg, busy))
		release.Set()
		require.NoError(t, p.Join(bg))
		assert.Equal(t, 1, p.FreeCount())
		require.NoError(t, p.TryAdd(other))
		require.NoError(t, other.Start())
		require.NoError(t, p.Join(bg))
		assert.Equal(t, 1, p.FreeCount())
		return nil
	})
}

// TestSpawnDeadlineWhileFull: Spawn and Add on a full pool wait for a slot
// until their context ends, then return its error and take no slot.
func TestSpawnDeadlineWhileFull(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 1)
		var release event.Event
		_, err := pool.Spawn(bg, p, func() (int, error) { return 0, release.Wait(bg) })
		require.NoError(t, err)
		ran := false
		_, err = pool.Spawn(testctx.Within(t, 2*time.Millisecond), p, func() (int, error) { ran = true; return 0, nil })
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, pool.ErrPoolFull)
		var pe *pool.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "Spawn", pe.Op)

		ctx, cancel := context.WithCancel(bg)
		cancel()
		assert.ErrorIs(t, p.Add(ctx, scheduler.New(func() (int, error) { return 0, nil })), context.Canceled)
		_, err = p.WaitAvailable(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.Equal(t, 1, p.Len())

		release.Set()
		n, err := p.WaitAvailable(bg)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		require.NoError(t, p.Join(bg))
		assert.False(t, ran)
		assert.Equal(t, 1, p.FreeCount(), "no slot was lost")
		return nil
	})
}

// TestZeroValues: a zero Pool is unbounded (gevent's Pool(None)); a zero
// Group works; New(0) has no slot at all.
func TestZeroValues(t *testing.T) {
	run(t, func() error {
		var p pool.Pool
		for i := range 50 {
			_, err := pool.TrySpawn(&p, func() (int, error) { return i, scheduler.Sleep(bg, 0) })
			require.NoError(t, err)
		}
		assert.Equal(t, 50, p.Len())
		assert.False(t, p.Full())
		assert.Equal(t, 1, p.FreeCount())
		n, err := p.WaitAvailable(bg)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		require.NoError(t, p.Join(bg))

		var g pool.Group
		out, err := pool.Map(bg, &g, func(x int) (int, error) { return x + 1, nil }, []int{1, 2})
		require.NoError(t, err)
		assert.Equal(t, []int{2, 3}, out)
		assert.False(t, g.Full())

		none := mustNew(t, 0)
		assert.True(t, none.Full())
		assert.Zero(t, none.FreeCount())
		_, err = pool.TrySpawn(none, func() (int, error) { return 0, nil })
		assert.ErrorIs(t, err, pool.ErrPoolFull)
		_, err = none.WaitAvailable(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		return nil
	})
}

// TestAddGreenletOfAnotherHub: a greenlet of another hub is refused with
// ErrNotGreenlet and takes no slot. Before, Add linked it (Rawlink refused
// silently), returned nil and its slot was never freed.
func TestAddGreenletOfAnotherHub(t *testing.T) {
	foreign := make(chan *scheduler.Greenlet[int])
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- scheduler.Main(func() error {
			foreign <- scheduler.New(func() (int, error) { return 0, nil })
			_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { <-release; return struct{}{}, nil })
			return err
		})
	}()
	run(t, func() error {
		gr, err := scheduler.RunBlocking(bg, func() (*scheduler.Greenlet[int], error) { return <-foreign, nil })
		require.NoError(t, err)
		p := mustNew(t, 1)
		var g pool.Group
		for name, add := range map[string]func() error{
			"Pool.Add":    func() error { return p.Add(bg, gr) },
			"Pool.TryAdd": func() error { return p.TryAdd(gr) },
			"Group.Add":   func() error { return g.Add(gr) },
		} {
			err := add()
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
			var pe *pool.Error
			assert.ErrorAs(t, err, &pe, name)
		}
		assert.Zero(t, p.Len())
		assert.Equal(t, 1, p.FreeCount())
		assert.Zero(t, g.Len())
		// The slot is still there.
		_, err = pool.TrySpawn(p, func() (int, error) { return 1, nil })
		require.NoError(t, err)
		return p.Join(bg)
	})
	close(release)
	require.NoError(t, <-done)
}

// TestNilArguments: every call given a nil context, spawner, greenlet,
// function or sequence returns ErrNilArgument instead of panicking.
func TestNilArguments(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 2)
		g := pool.NewGroup()
		one := func() (int, error) { return 1, nil }
		id := func(x int) (int, error) { return x, nil }
		var nilFn func() (int, error)
		var nilMap func(int) (int, error)
		var nilGr *scheduler.Greenlet[int]
		var nilPool *pool.Pool
		var nilGroup *pool.Group
		var nilCtx context.Context
		var nilItems iter.Seq[int]
		calls := map[string]func() error{
			"Group.Add nil":           func() error { return g.Add(nil) },
			"Group.Add typed nil":     func() error { return g.Add(nilGr) },
			"Group.Discard nil":       func() error { return g.Discard(nilGr) },
			"Pool.Add nil":            func() error { return p.Add(bg, nilGr) },
			"Pool.Add nil ctx":        func() error { return p.Add(nilCtx, scheduler.New(one)) },
			"Pool.TryAdd nil":         func() error { return p.TryAdd(nil) },
			"Pool.WaitAvailable":      func() error { _, err := p.WaitAvailable(nilCtx); return err },
			"Group.Join":              func() error { return g.Join(nilCtx) },
			"Group.Kill":              func() error { return g.Kill(nilCtx, nil) },
			"nil *Group Join":         func() error { return nilGroup.Join(bg) },
			"nil *Group KillAsync":    func() error { return nilGroup.KillAsync(nil) },
			"nil *Pool WaitAvailable": func() error { _, err := nilPool.WaitAvailable(bg); return err },
			"nil *Pool TryAdd":        func() error { return nilPool.TryAdd(scheduler.New(one)) },
			"Spawn nil fn":            func() error { _, err := pool.Spawn(bg, p, nilFn); return err },
			"Spawn nil ctx":           func() error { _, err := pool.Spawn(nilCtx, p, one); return err },
			"Spawn nil spawner":       func() error { _, err := pool.Spawn(bg, nil, one); return err },
			"Spawn nil *Pool":         func() error { _, err := pool.Spawn(bg, nilPool, one); return err },
			"Spawn nil *Group":        func() error { _, err := pool.Spawn(bg, nilGroup, one); return err },
			"TrySpawn nil fn":         func() error { _, err := pool.TrySpawn(g, nilFn); return err },
			"Apply nil fn":            func() error { _, err := pool.Apply(bg, g, nilFn); return err },
			"Apply nil ctx":           func() error { _, err := pool.Apply(nilCtx, g, one); return err },
			"Map nil fn":              func() error { _, err := pool.Map(bg, p, nilMap, []int{1}); return err },
			"Map nil spawner":         func() error { _, err := pool.Map(bg, nil, id, []int{1}); return err },
			"Imap nil fn":             func() error { return firstErr(pool.Imap(bg, p, nilMap, slices.Values([]int{1}))) },
			"Imap nil items":          func() error { return firstErr(pool.Imap(bg, p, id, nilItems)) },
			"ImapUnordered nil ctx": func() error {
				return firstErr(pool.ImapUnordered(nilCtx, p, id, slices.Values([]int{1})))
			},
			"ApplyAsync nil fn":        func() error { _, err := pool.ApplyAsync(p, nilFn, nil); return err },
			"ApplyAsync nil spawner":   func() error { _, err := pool.ApplyAsync(nil, one, nil); return err },
			"ApplyCallback nil ctx":    func() error { _, err := pool.ApplyCallback(nilCtx, g, one, nil); return err },
			"ApplyCallback nil fn":     func() error { _, err := pool.ApplyCallback(bg, g, nilFn, nil); return err },
			"MapAsync nil fn":          func() error { _, err := pool.MapAsync(p, nilMap, []int{1}, nil); return err },
			"MapAsync nil *Pool":       func() error { _, err := pool.MapAsync(nilPool, id, []int{1}, nil); return err },
			"MapCallback nil ctx":      func() error { _, err := pool.MapCallback(nilCtx, g, id, []int{1}, nil); return err },
			"KillOne nil ctx":          func() error { return g.KillOne(nilCtx, scheduler.New(one), nil) },
			"KillOne nil":              func() error { return g.KillOne(bg, nilGr, nil) },
			"KillOneAsync nil":         func() error { return g.KillOneAsync(nil, nil) },
			"nil *Group KillOne":       func() error { return nilGroup.KillOne(bg, scheduler.New(one), nil) },
			"Group.Start nil":          func() error { return g.Start(nil) },
			"Group.Start typed nil":    func() error { return g.Start(nilGr) },
			"Pool.Start nil ctx":       func() error { return p.Start(nilCtx, scheduler.New(one)) },
			"Pool.Start nil":           func() error { return p.Start(bg, nilGr) },
			"Pool.TryStart nil":        func() error { return p.TryStart(nil) },
			"nil *Pool TryStart":       func() error { return nilPool.TryStart(scheduler.New(one)) },
			"Group.WaitAvailable":      func() error { _, err := g.WaitAvailable(nilCtx); return err },
			"nil *Group WaitAvailable": func() error { _, err := nilGroup.WaitAvailable(bg); return err },
		}
		for name, call := range calls {
			var err error
			require.NotPanics(t, func() { err = call() }, name)
			assert.ErrorIs(t, err, scheduler.ErrNilArgument, name)
			var pe *pool.Error
			assert.ErrorAs(t, err, &pe, name)
		}
		assert.Zero(t, p.Len())
		assert.Zero(t, g.Len())
		assert.Equal(t, 2, p.FreeCount())
		assert.False(t, nilGroup.Contains(nil))
		assert.Zero(t, nilGroup.Len())
		return nil
	})
}

func firstErr(seq iter.Seq2[int, error]) error {
	for _, err := range seq {
		return err
	}
	return nil
}

// panicky panics; its name must show in the reported stack.
func panicky(int) (int, error) { panic("pool fn broke") }

// TestPanicCarriesStack: a panic in the function of Apply (spawned, and
// run directly from a member), Map, Imap and ImapUnordered comes back as a
// *scheduler.PanicError whose Stack shows where it panicked.
func TestPanicCarriesStack(t *testing.T) {
	check := func(t *testing.T, name string, err error) {
		t.Helper()
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe, name)
		assert.Equal(t, "pool fn broke", pe.Value, name)
		assert.Contains(t, string(pe.Stack), "pool_test.panicky", name)
	}
	run(t, func() error {
		// The failed greenlets are reported too; this test reads them from
		// the calls.
		scheduler.CurrentHub().SetErrorHandler(func(error) {})
		p := mustNew(t, 2)
		_, err := pool.Apply(bg, p, func() (int, error) { return panicky(0) })
		check(t, "Apply", err)
		// From a member fn runs in the caller: the panic must come back
		// from Apply, not unwind the caller.
		var direct error
		outer, err := pool.Spawn(bg, p, func() (int, error) {
			_, direct = pool.Apply(bg, p, func() (int, error) { return panicky(0) })
			return 0, nil
		})
		require.NoError(t, err)
		require.NoError(t, outer.Join(bg))
		assert.True(t, outer.Successful())
		check(t, "Apply from a member", direct)
		_, err = pool.Map(bg, p, panicky, []int{1, 2})
		check(t, "Map", err)
		for name, seq := range map[string]iter.Seq2[int, error]{
			"Imap":          pool.Imap(bg, p, panicky, slices.Values([]int{1})),
			"ImapUnordered": pool.ImapUnordered(bg, p, panicky, slices.Values([]int{1})),
		} {
			check(t, name, firstErr(seq))
		}
		return p.Join(bg)
	})
}

// TestApplyFromMemberRunsDirectly: Apply from a member of a full pool runs
// fn in the caller instead of waiting for a slot it holds itself.
func TestApplyFromMemberRunsDirectly(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 1)
		outer, err := pool.Spawn(bg, p, func() (int, error) {
			me := scheduler.GetCurrent()
			return pool.Apply(bg, p, func() (int, error) {
				if scheduler.GetCurrent() != me {
					return 0, errors.New("not run in the caller")
				}
				return 7, nil
			})
		})
		require.NoError(t, err)
		v, err := outer.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		return nil
	})
}

// TestHubCallback: a hub callback may spawn into a Group or a pool with a
// free slot, but every call that would wait is refused with ErrNotGreenlet
// instead of blocking the hub.
func TestHubCallback(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		p := mustNew(t, 1)
		done := make(chan struct{})
		scheduler.CurrentHub().RunCallback(func() {
			defer close(done)
			_, err := pool.Spawn(bg, g, func() (int, error) { return 1, nil })
			assert.NoError(t, err)
			_, err = pool.Spawn(bg, p, func() (int, error) { return 1, scheduler.Sleep(bg, 0) })
			assert.NoError(t, err)
			_, err = pool.Spawn(bg, p, func() (int, error) { return 1, nil })
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, "Spawn on a full pool")
			assert.ErrorIs(t, g.Join(bg), scheduler.ErrNotGreenlet)
			assert.ErrorIs(t, g.Kill(bg, nil), scheduler.ErrNotGreenlet)
			_, err = p.WaitAvailable(bg)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			_, err = pool.Apply(bg, g, func() (int, error) { return 1, nil })
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			assert.NoError(t, g.KillAsync(nil))

			// The async forms never wait, on a Group or a full pool.
			_, err = pool.ApplyAsync(g, func() (int, error) { return 1, nil }, nil)
			assert.NoError(t, err)
			_, err = pool.ApplyAsync(p, func() (int, error) { return 1, nil }, nil)
			assert.NoError(t, err, "ApplyAsync on a full pool")
			_, err = pool.MapAsync(p, func(x int) (int, error) { return x, nil }, []int{1}, nil)
			assert.NoError(t, err)
			assert.NoError(t, g.Start(scheduler.New(func() (int, error) { return 1, nil })))
			assert.ErrorIs(t, p.Start(bg, scheduler.New(func() (int, error) { return 1, nil })), scheduler.ErrNotGreenlet,
				"Pool.Start on a full pool")
			member := p.Greenlets()[0]
			assert.ErrorIs(t, p.KillOne(bg, member, nil), scheduler.ErrNotGreenlet)
			assert.NoError(t, p.KillOneAsync(member, nil))
			_, err = pool.ApplyCallback(bg, g, func() (int, error) { return 1, nil }, nil)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			_, err = pool.MapCallback(bg, g, func(x int) (int, error) { return x, nil }, []int{1}, nil)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			_, err = g.WaitAvailable(bg)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			assert.ErrorIs(t, firstErr(pool.Imap(bg, g, func(x int) (int, error) { return x, nil }, slices.Values([]int{1}), pool.ImapMaxSize(1))),
				scheduler.ErrNotGreenlet)
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		<-done
		require.NoError(t, g.Join(bg))
		require.NoError(t, p.Join(bg))
		assert.Equal(t, 1, p.FreeCount())
		return nil
	})
}

// TestRebindAfterDestroy: a pool whose hub was destroyed with members in it
// starts afresh in the next hub that uses it, with every slot free.
func TestRebindAfterDestroy(t *testing.T) {
	p := mustNew(t, 1)
	run(t, func() error {
		_, err := pool.Spawn(bg, p, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
		require.NoError(t, err)
		assert.True(t, p.Full())
		return nil
	})
	assert.Zero(t, p.Len())
	run(t, func() error {
		assert.Equal(t, 1, p.FreeCount())
		_, err := pool.TrySpawn(p, func() (int, error) { return 0, nil })
		require.NoError(t, err)
		return p.Join(bg)
	})
}

// BenchmarkPoolMap100k maps 100,000 items over a Pool(100); ns/op is per
// item.
func BenchmarkPoolMap100k(b *testing.B) {
	const n = 100000
	items := make([]int, n)
	run(b, func() error {
		scheduler.CurrentHub().SetBlockingThreshold(0)
		p := mustNew(b, 100)
		b.ResetTimer()
		for range b.N {
			if _, err := pool.Map(bg, p, func(x int) (int, error) { return x, nil }, items); err != nil {
				return err
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		return nil
	})
}

// TestImapItemsPanic: a panic inside the items sequence comes out of Imap
// and ImapUnordered as a *scheduler.PanicError after the items before it,
// and the iteration ends; before, the feeder died without its end marker
// and the consumer waited until LoopExit.
func TestImapItemsPanic(t *testing.T) {
	items := func(yield func(int) bool) {
		for i := range 3 {
			if !yield(i) {
				return
			}
		}
		panic("items broke")
	}
	run(t, func() error {
		p := mustNew(t, 2)
		for name, seq := range map[string]iter.Seq2[int, error]{
			"Imap":          pool.Imap(bg, p, func(x int) (int, error) { return x * 10, nil }, items),
			"ImapUnordered": pool.ImapUnordered(bg, p, func(x int) (int, error) { return x * 10, nil }, items),
		} {
			var got []int
			var errs []error
			for v, err := range seq {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				got = append(got, v)
			}
			assert.ElementsMatch(t, []int{0, 10, 20}, got, name)
			require.Len(t, errs, 1, name)
			var pe *scheduler.PanicError
			require.ErrorAs(t, errs[0], &pe, name)
			assert.Equal(t, "items broke", pe.Value, name)
		}
		assert.Zero(t, p.Len(), "no greenlet left in the pool")
		return nil
	})
}

// TestImapContext: the end of Imap's context is yielded once and ends the
// iteration; the greenlets still running are killed.
func TestImapContext(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 2)
		var never event.Event
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		var errs []error
		n := 0
		for v, err := range pool.Imap(ctx, p, func(x int) (int, error) {
			if x > 0 {
				return x, never.Wait(bg)
			}
			return x, nil
		}, slices.Values([]int{0, 1, 2, 3})) {
			n++
			if err != nil {
				errs = append(errs, err)
				continue
			}
			assert.Zero(t, v)
			cancel()
		}
		assert.Equal(t, 2, n)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], context.Canceled)
		require.NoError(t, p.Join(testctx.Within(t, time.Second)), "the running greenlet was killed")
		return nil
	})
}

// TestImapBreakPullsNothingMore: a slot freed just before a break wakes the
// feeder before its kill lands; it may finish the spawn it was waiting in
// (the greenlet is killed with the others), but it pulls no further item.
// Before, it went on to pull the next item after the break.
func TestImapBreakPullsNothingMore(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 2)
		var never event.Event
		pulled := 0
		items := func(yield func(int) bool) {
			for i := range 100 {
				pulled++
				if !yield(i) {
					return
				}
			}
		}
		var discarded scheduler.Runnable
		pulledAtBreak := -1
		for v, err := range pool.Imap(bg, p, func(x int) (int, error) {
			if x == 0 {
				return x, nil
			}
			return x, never.Wait(bg)
		}, items) {
			require.NoError(t, err)
			require.Zero(t, v)
			// Frees a slot now, so the feeder's wake is queued before its kill.
			discarded = p.Greenlets()[0]
			require.NoError(t, p.Discard(discarded))
			pulledAtBreak = pulled
			break
		}
		assert.Equal(t, pulledAtBreak, pulled, "an item was pulled after the break")
		// The killed greenlets leave the pool from their links, a hub turn later.
		require.NoError(t, p.Join(testctx.Within(t, time.Second)), "the greenlets still running were killed")
		require.NotNil(t, discarded)
		gr, ok := discarded.(*scheduler.Greenlet[int])
		require.True(t, ok)
		return gr.Kill(testctx.Within(t, time.Second), nil)
	})
}

// TestImapWaitErrorNamesImap: the error of a failed wait names the
// iteration, not the queue inside it.
func TestImapWaitErrorNamesImap(t *testing.T) {
	run(t, func() error {
		ctx, cancel := context.WithCancel(bg)
		cancel()
		for name, seq := range map[string]iter.Seq2[int, error]{
			"Imap":          pool.Imap(ctx, pool.NewGroup(), func(x int) (int, error) { return x, scheduler.Sleep(bg, time.Second) }, slices.Values([]int{1})),
			"ImapUnordered": pool.ImapUnordered(ctx, pool.NewGroup(), func(x int) (int, error) { return x, scheduler.Sleep(bg, time.Second) }, slices.Values([]int{1})),
		} {
			var errs []error
			for _, err := range seq {
				errs = append(errs, err)
			}
			require.Len(t, errs, 1, name)
			assert.ErrorIs(t, errs[0], context.Canceled, name)
			assert.Equal(t, "pool: "+name+": context canceled", errs[0].Error())
		}
		return nil
	})
}

// TestKillUnderWaiters: what the package doc promises when a waiter's wait
// ends with a kill: a Spawn waiting for a slot spawns nothing, a Join
// waiting while the group is killed returns the kill's error, and an
// iteration whose greenlet is killed yields the kill's error last and kills
// the greenlets it runs.
func TestKillUnderWaiters(t *testing.T) {
	run(t, func() error {
		var reports []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reports = append(reports, err) })
		ctx := testctx.Within(t, 5*time.Second)
		var never event.Event
		p := mustNew(t, 1)
		_, err := pool.Spawn(bg, p, func() (int, error) { return 0, never.Wait(bg) })
		require.NoError(t, err)

		ran := false
		var spawnErr error
		spawner := scheduler.Go(func() error {
			_, spawnErr = pool.Spawn(bg, p, func() (int, error) { ran = true; return 0, nil })
			return nil
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, spawner.Kill(ctx, nil))
		assert.ErrorIs(t, spawnErr, scheduler.ErrGreenletExit, "Spawn returned the kill's error")
		assert.Equal(t, 1, p.Len(), "nothing was added")

		stop := errors.New("stop")
		var joinErr error
		joiner := scheduler.Go(func() error { joinErr = p.Join(bg); return nil })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, p.Kill(ctx, stop))
		require.NoError(t, joiner.Join(ctx))
		assert.ErrorIs(t, joinErr, stop, "the waiting Join returns the kill's error")
		assert.False(t, ran, "the killed Spawn's fn never ran")
		require.Len(t, reports, 1, "the member killed with stop failed")
		assert.ErrorIs(t, reports[0], stop)

		var yielded []error
		consumer := scheduler.Go(func() error {
			for _, err := range pool.Imap(bg, p, func(x int) (int, error) { return x, never.Wait(bg) }, slices.Values([]int{0, 1})) {
				yielded = append(yielded, err)
			}
			return nil
		})
		// Item 0 runs once the feeder spawned it; item 1 waits for its slot.
		for deadline := time.Now().Add(5 * time.Second); p.Len() == 0; {
			require.True(t, time.Now().Before(deadline), "item 0 never ran")
			require.NoError(t, scheduler.Sleep(bg, 0))
		}
		require.NoError(t, consumer.Kill(ctx, nil))
		require.Len(t, yielded, 1)
		assert.ErrorIs(t, yielded[0], scheduler.ErrGreenletExit)
		// The killed greenlet leaves the pool from its link, a hub turn later.
		require.NoError(t, p.Join(ctx), "the running greenlet was killed")
		return nil
	})
}

// The Group methods a *Pool offers answer a nil *Pool as they answer a nil *Group (and as the
// Pool's own methods do): ErrNilArgument, or the zero answer. Promoted through the embedded
// Group, they dereferenced the nil *Pool first.
func TestNilPoolGroupMethods(t *testing.T) {
	run(t, func() error {
		var nilPool *pool.Pool
		one := func() (int, error) { return 1, nil }
		errCalls := map[string]func() error{
			"Join":         func() error { return nilPool.Join(bg) },
			"Kill":         func() error { return nilPool.Kill(bg, nil) },
			"KillAsync":    func() error { return nilPool.KillAsync(nil) },
			"KillOne":      func() error { return nilPool.KillOne(bg, scheduler.New(one), nil) },
			"KillOneAsync": func() error { return nilPool.KillOneAsync(scheduler.New(one), nil) },
			"Discard":      func() error { return nilPool.Discard(scheduler.New(one)) },
		}
		for name, call := range errCalls {
			var err error
			require.NotPanics(t, func() { err = call() }, name)
			assert.ErrorIs(t, err, scheduler.ErrNilArgument, name)
		}
		require.NotPanics(t, func() { assert.Zero(t, nilPool.Len()) }, "Len")
		require.NotPanics(t, func() { assert.False(t, nilPool.Contains(scheduler.New(one))) }, "Contains")
		require.NotPanics(t, func() { assert.Nil(t, nilPool.Greenlets()) }, "Greenlets")
		return nil
	})
}
