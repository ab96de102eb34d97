package pool_test

import (
	"context"
	"errors"
	"iter"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// waitingOn returns what each greenlet of the snapshot's tree waits on, by name.
func waitingOn(gs []scheduler.GreenletInfo, into map[string]string) map[string]string {
	for _, g := range gs {
		if g.State == "waiting" {
			into[g.Name] = g.WaitingOn
		}
		waitingOn(g.Children, into)
	}
	return into
}

// allWaiting reports whether every greenlet named is in got, the waiting ones.
func allWaiting(got map[string]string, names ...iter.Seq[string]) bool {
	for _, ns := range names {
		for n := range ns {
			if _, ok := got[n]; !ok {
				return false
			}
		}
	}
	return true
}

// TestWaitsShowTheirCall: a greenlet waiting for a pool's slot, or in a Join, shows the call it
// made in runinfo (and so in LoopExit's report, which reads the same label): a method as its
// errors name it, a function of the package as pool.<name>, as ApplyAsync's and MapAsync's
// greenlets are named (and Imap's feeders, which take the slots). They showed
// Semaphore.Acquire, Semaphore.Wait and Event.Wait, the primitives the pool waits on.
func TestWaitsShowTheirCall(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		stop, cancel := context.WithCancel(bg)
		defer cancel()
		full := mustNew(t, 0) // no slot ever frees
		busy := mustNew(t, 1)
		var group pool.Group
		for _, s := range []pool.Spawner{busy, &group} {
			_, err := pool.Spawn(ctx, s, func() (int, error) { _ = scheduler.WaitContext(stop); return 0, nil })
			require.NoError(t, err)
		}
		one := func() (int, error) { return 1, nil }
		double := func(i int) (int, error) { return 2 * i, nil }
		items := slices.Values([]int{1})
		calls := map[string]struct {
			want string
			call func() error
		}{
			"spawn": {"pool.Spawn", func() error { _, err := pool.Spawn(stop, full, one); return err }},
			"apply": {"pool.Apply", func() error { _, err := pool.Apply(stop, full, one); return err }},
			"apply callback": {"pool.ApplyCallback", func() error {
				_, err := pool.ApplyCallback(stop, full, one, nil)
				return err
			}},
			"map": {"pool.Map", func() error { _, err := pool.Map(stop, full, double, []int{1}); return err }},
			"map callback": {"pool.MapCallback", func() error {
				_, err := pool.MapCallback(stop, full, double, []int{1}, nil)
				return err
			}},
			// Imap's caller waits for results (internal/imap's queue): its feeder, below,
			// waits for the slots.
			"imap": {"", func() error {
				for _, err := range pool.Imap(stop, full, double, items) {
					return err
				}
				return nil
			}},
			"imap unordered": {"", func() error {
				for _, err := range pool.ImapUnordered(stop, full, double, items) {
					return err
				}
				return nil
			}},
			"add":   {"Pool.Add", func() error { return full.Add(stop, scheduler.New(one)) }},
			"start": {"Pool.Start", func() error { return full.Start(stop, scheduler.New(one)) }},
			"pool wait available": {"Pool.WaitAvailable", func() error {
				_, err := full.WaitAvailable(stop)
				return err
			}},
			"group wait available": {"Group.WaitAvailable", func() error {
				_, err := full.Group.WaitAvailable(stop)
				return err
			}},
			"pool join":  {"Pool.Join", func() error { return busy.Join(stop) }},
			"group join": {"Group.Join", func() error { return group.Join(stop) }},
		}
		var gs []*scheduler.Greenlet[struct{}]
		for name, c := range calls {
			g := scheduler.Go(func() error {
				if err := c.call(); !errors.Is(err, context.Canceled) {
					return err
				}
				return nil
			})
			g.SetName(name)
			gs = append(gs, g)
		}
		// Their own greenlets wait for the slot, named after the call.
		applyAsync, err := pool.ApplyAsync(full, one, nil)
		require.NoError(t, err)
		mapAsync, err := pool.MapAsync(full, double, []int{1}, nil)
		require.NoError(t, err)

		others := map[string]string{
			"pool.Imap feeder":          "pool.Imap",
			"pool.ImapUnordered feeder": "pool.ImapUnordered",
			"pool.ApplyAsync":           "pool.ApplyAsync",
			"pool.MapAsync":             "pool.MapAsync",
		}
		var got map[string]string
		for deadline := time.Now().Add(5 * time.Second); ; { // until each waits
			info, err := scheduler.CurrentHub().Snapshot(ctx)
			require.NoError(t, err)
			got = waitingOn(info.Greenlets, map[string]string{})
			if allWaiting(got, maps.Keys(calls), maps.Keys(others)) {
				break
			}
			require.True(t, time.Now().Before(deadline), "the greenlets never all waited: %v", got)
			require.NoError(t, scheduler.Sleep(ctx, time.Millisecond))
		}
		for name, c := range calls {
			if c.want != "" {
				assert.Equal(t, c.want, got[name], name)
			}
		}
		for name, want := range others {
			assert.Equal(t, want, got[name], name)
		}

		cancel()
		for _, g := range gs {
			_, err := g.Get(ctx)
			require.NoError(t, err, g.Name())
		}
		require.NoError(t, applyAsync.Kill(ctx, nil))
		require.NoError(t, mapAsync.Kill(ctx, nil))
		return nil
	})
}
