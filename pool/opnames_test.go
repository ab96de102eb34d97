package pool_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// membership is the part of Group and Pool whose calls have the same
// signature on both; each call is listed with its method name.
type membership interface {
	Join(ctx context.Context) error
	Kill(ctx context.Context, err error) error
	KillAsync(err error) error
	KillOne(ctx context.Context, r scheduler.Runnable, err error) error
	KillOneAsync(r scheduler.Runnable, err error) error
	Discard(r scheduler.Runnable) error
	WaitAvailable(ctx context.Context) (int, error)
}

// membershipCalls are m's calls with the arguments given, by method name.
func membershipCalls(m membership, ctx context.Context, r scheduler.Runnable) map[string]func() error {
	return map[string]func() error{
		"Join":          func() error { return m.Join(ctx) },
		"Kill":          func() error { return m.Kill(ctx, nil) },
		"KillAsync":     func() error { return m.KillAsync(nil) },
		"KillOne":       func() error { return m.KillOne(ctx, r, nil) },
		"KillOneAsync":  func() error { return m.KillOneAsync(r, nil) },
		"Discard":       func() error { return m.Discard(r) },
		"WaitAvailable": func() error { _, err := m.WaitAvailable(ctx); return err },
	}
}

// assertOp checks that err is a *pool.Error naming op.
func assertOp(t *testing.T, err error, op, what string) {
	t.Helper()
	var pe *pool.Error
	if assert.ErrorAs(t, err, &pe, what) {
		assert.Equal(t, op, pe.Op, what)
	}
}

// TestOpNamesFollowReceiver: every error of a Pool method names Pool, and
// every error of a Group method (the Group of a Pool's included) names
// Group, whatever failed: a nil receiver, a nil argument, a foreign
// goroutine, or a wait that ended with its context. Before, Pool.Join,
// Kill, KillAsync, KillOne, KillOneAsync and Discard, which pass the call
// on to the embedded Group, said "Group.Join" and so on.
func TestOpNamesFollowReceiver(t *testing.T) {
	one := func() (int, error) { return 1, nil }
	var nilPool *pool.Pool
	var nilGroup *pool.Group
	// Nil receivers: the nil *Pool passes a nil *Group on.
	for name, call := range membershipCalls(nilPool, bg, scheduler.New(one)) {
		assertOp(t, call(), "Pool."+name, "nil *Pool "+name)
	}
	for name, call := range membershipCalls(nilGroup, bg, scheduler.New(one)) {
		assertOp(t, call(), "Group."+name, "nil *Group "+name)
	}
	run(t, func() error {
		p := mustNew(t, 1)
		g := pool.NewGroup()
		var release event.Event
		kills := 0
		// A member in each that catches its kill and waits for release.
		pm, err := pool.Spawn(bg, p, catcher(&release, &kills))
		require.NoError(t, err)
		gm, err := pool.Spawn(bg, g, catcher(&release, &kills))
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))
		receivers := []struct {
			kind   string
			m      membership
			member scheduler.Runnable
		}{{"Pool", p, pm}, {"Group", &p.Group, pm}, {"Group", g, gm}}

		for _, rc := range receivers {
			var nilCtx context.Context
			var nilR *scheduler.Greenlet[int]
			for name, call := range membershipCalls(rc.m, nilCtx, nilR) {
				if name == "KillAsync" {
					continue // it has no argument that may not be nil
				}
				err := call()
				assert.ErrorIs(t, err, scheduler.ErrNilArgument, "%s.%s", rc.kind, name)
				assertOp(t, err, rc.kind+"."+name, rc.kind+"."+name+" nil argument")
			}

			for name, call := range membershipCalls(rc.m, bg, rc.member) {
				var err error
				require.True(t, inGoroutine(func() { err = call() }))
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, "%s.%s", rc.kind, name)
				assertOp(t, err, rc.kind+"."+name, rc.kind+"."+name+" foreign")
			}
		}

		// Waits that end with their context: the members outlive every
		// kill until release.
		ctx, cancel := context.WithCancel(bg)
		cancel()
		for _, rc := range receivers {
			for name, call := range membershipCalls(rc.m, ctx, rc.member) {
				if name == "Join" || name == "Kill" || name == "KillOne" {
					err := call()
					assert.ErrorIs(t, err, context.Canceled, "%s.%s", rc.kind, name)
					assertOp(t, err, rc.kind+"."+name, rc.kind+"."+name+" cancelled")
				}
			}
		}
		assert.True(t, p.Contains(pm))
		assert.True(t, g.Contains(gm))

		// The Pool's own calls, and Group's on the Pool's Group.
		assertOp(t, p.Add(ctx, scheduler.New(one)), "Pool.Add", "Pool.Add cancelled")
		assertOp(t, p.TryAdd(scheduler.New(one)), "Pool.TryAdd", "Pool.TryAdd full")
		assertOp(t, p.Start(ctx, scheduler.New(one)), "Pool.Start", "Pool.Start cancelled")
		assertOp(t, p.TryStart(scheduler.New(one)), "Pool.TryStart", "Pool.TryStart full")
		assertOp(t, p.Group.Add(scheduler.New(one)), "Group.Add", "Group.Add full")
		assertOp(t, p.Group.Start(scheduler.New(one)), "Group.Start", "Group.Start full")

		release.Set()
		require.NoError(t, p.Join(bg))
		require.NoError(t, g.Join(bg))
		return nil
	})
}
