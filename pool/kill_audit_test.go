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

// TestKillKillsMembersAddedWhileItWaits: a member that spawns another into
// its group as it dies of Kill (cleanup work, a handler's follow-up) gets
// that one killed too, as gevent's kill does (it joins the greenlets it
// killed, then loops over the group again). Before, Kill waited for the
// group to be empty, so the new member, never killed, held it until ctx
// ended.
func TestKillKillsMembersAddedWhileItWaits(t *testing.T) {
	for _, p := range []pool.Spawner{pool.NewGroup(), mustNew(t, 4)} {
		run(t, func() error {
			var late *scheduler.Greenlet[int]
			_, err := pool.Spawn(bg, p, func() (int, error) {
				err := scheduler.Sleep(bg, time.Hour)
				if errors.Is(err, scheduler.ErrGreenletExit) {
					var serr error
					late, serr = pool.Spawn(bg, p, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
					require.NoError(t, serr)
				}
				return 0, err
			})
			require.NoError(t, err)
			require.NoError(t, scheduler.Sleep(bg, 0)) // the member waits in its Sleep
			var kerr error
			switch s := p.(type) {
			case *pool.Group:
				kerr = s.Kill(testctx.Within(t, 5*time.Second), nil)
				assert.Zero(t, s.Len())
			case *pool.Pool:
				kerr = s.Kill(testctx.Within(t, 5*time.Second), nil)
				assert.Zero(t, s.Len())
				assert.Equal(t, 4, s.FreeCount())
			}
			require.NoError(t, kerr)
			require.NotNil(t, late)
			assert.True(t, late.Dead())
			assert.ErrorIs(t, late.ExitErr(), scheduler.ErrGreenletExit)
			return nil
		})
	}
}

// TestKillFromAMember: a member that kills its own group gets the kill
// itself, at Kill's wait, after the others were killed; the group ends
// empty.
func TestKillFromAMember(t *testing.T) {
	for _, others := range []int{0, 1, 3} {
		run(t, func() error {
			g := pool.NewGroup()
			var rest []*scheduler.Greenlet[int]
			for range others {
				gr, err := pool.Spawn(bg, g, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
				require.NoError(t, err)
				rest = append(rest, gr)
			}
			var kerr error
			_, err := pool.Spawn(bg, g, func() (int, error) {
				kerr = g.Kill(testctx.Within(t, 5*time.Second), nil)
				return 0, kerr
			})
			require.NoError(t, err)
			require.NoError(t, g.Join(testctx.Within(t, 5*time.Second)))
			assert.ErrorIs(t, kerr, scheduler.ErrGreenletExit, "others=%d", others)
			var pe *pool.Error
			require.ErrorAs(t, kerr, &pe)
			assert.Equal(t, "Group.Kill", pe.Op)
			for _, gr := range rest {
				assert.True(t, gr.Dead())
			}
			assert.Zero(t, g.Len())
			return nil
		})
	}
}

// TestKillOneDeadMemberLeaves: KillOne on a member that is dead but whose
// links have not run yet (a greenlet killed before it started, by a Kill
// of its own that returned before its links) returns once the member left
// the pool, its slot free. Before, KillOne returned nil at once (Join of a
// dead greenlet does not wait) with the member still counted: Len 1 and a
// TrySpawn refused with ErrPoolFull.
func TestKillOneDeadMemberLeaves(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 1)
		r, err := pool.Spawn(bg, p, func() (int, error) { return 0, nil })
		require.NoError(t, err)
		require.NoError(t, r.Kill(bg, nil)) // dead before it ran; its links still queued
		require.True(t, r.Dead())
		require.True(t, p.Contains(r))
		require.NoError(t, p.KillOne(testctx.Within(t, 5*time.Second), r, nil))
		assert.False(t, p.Contains(r))
		assert.Zero(t, p.Len())
		assert.Equal(t, 1, p.FreeCount())
		gr, err := pool.TrySpawn(p, func() (int, error) { return 0, nil })
		require.NoError(t, err)
		return gr.Join(bg)
	})
}

// TestKillWaitingAtHubEnd: a Kill and a KillOne waiting for a member that
// swallowed their kill get GreenletExit when the hub ends, and the next hub
// finds the pool empty with every slot free.
func TestKillWaitingAtHubEnd(t *testing.T) {
	p := mustNew(t, 2)
	errs := map[string]error{"Kill": errors.New("did not return"), "KillOne": errors.New("did not return")}
	run(t, func() error {
		var never event.Event
		swallower := func() (int, error) {
			_ = scheduler.Sleep(bg, time.Hour) // the kill, swallowed
			_ = never.Wait(bg)                 // ended by the hub's end
			return 0, nil
		}
		a, err := pool.Spawn(bg, p, swallower)
		require.NoError(t, err)
		b, err := pool.Spawn(bg, p, swallower)
		require.NoError(t, err)
		k := scheduler.Go(func() error { errs["Kill"] = p.Kill(bg, nil); return nil })
		ko := scheduler.Go(func() error { errs["KillOne"] = p.KillOne(bg, b, nil); return nil })
		parkedAll(t, a, b, k, ko)
		return nil
	})
	for name, err := range errs {
		assert.ErrorIs(t, err, scheduler.ErrGreenletExit, name)
	}
	run(t, func() error {
		assert.Zero(t, p.Len())
		assert.Equal(t, 2, p.FreeCount())
		gr, err := pool.Spawn(testctx.Within(t, 5*time.Second), p, func() (int, error) { return 1, nil })
		require.NoError(t, err)
		return gr.Join(bg)
	})
}

// TestKillOneSelfAlreadyKilled: a member that swallowed the group's kill and
// then calls KillOne on itself gets its Join's answer at once (it can never
// see itself finish: ErrLoopExit for a context that cannot end), as it did
// before KillOne waited for a member to leave. Before, it waited for its own
// death from a link, so for ever, and the Join below timed out. The refusal
// is KillOne's alone: it said "pool: Group.KillOne: scheduler:
// Greenlet.Join: ...", naming the Join it makes.
func TestKillOneSelfAlreadyKilled(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		kerr := errors.New("did not return")
		gr, err := pool.Spawn(bg, g, func() (int, error) {
			_ = scheduler.Sleep(bg, time.Hour) // the group's kill, swallowed
			kerr = g.KillOne(bg, scheduler.GetCurrent(), nil)
			return 0, nil
		})
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0)) // gr waits in its Sleep
		require.NoError(t, g.KillOneAsync(gr, nil))
		require.NoError(t, gr.Join(testctx.Within(t, 5*time.Second)))
		assert.ErrorIs(t, kerr, scheduler.ErrLoopExit)
		var pe *pool.Error
		require.ErrorAs(t, kerr, &pe)
		assert.Equal(t, "Group.KillOne", pe.Op)
		var se *scheduler.Error
		assert.False(t, errors.As(kerr, &se), "%v: Join's error inside", kerr)
		require.NoError(t, scheduler.Sleep(bg, 0)) // gr's link removes it
		assert.Zero(t, g.Len())
		return nil
	})
}
