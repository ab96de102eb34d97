package pool_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// TestContextEndIsTheCallsOwn: a wait that its context ended, at the call or during the wait,
// is the call's own end: an *Error naming the call whose cause is scheduler.ContextError's
// error, one name in the text ("pool: Spawn: context canceled"), not the semaphore's, event's,
// waiter's or greenlet's the call waited on, which name their own waits
// ("pool: Spawn: lock: Semaphore.Acquire: context canceled").
func TestContextEndIsTheCallsOwn(t *testing.T) {
	run(t, func() error {
		var release event.Event
		kills := 0
		p := mustNew(t, 1)
		pm, err := pool.Spawn(bg, p, catcher(&release, &kills))
		require.NoError(t, err)
		g := pool.NewGroup()
		gm, err := pool.Spawn(bg, g, catcher(&release, &kills))
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, 0))

		// Each call waits: the pool is full, and the members outlive every kill until release.
		calls := map[string]func(context.Context) error{
			"Spawn": func(ctx context.Context) error {
				_, err := pool.Spawn(ctx, p, func() (int, error) { return 0, nil })
				return err
			},
			"Pool.Add": func(ctx context.Context) error {
				return p.Add(ctx, scheduler.New(func() (int, error) { return 0, nil }))
			},
			"Pool.Start": func(ctx context.Context) error {
				return p.Start(ctx, scheduler.New(func() (int, error) { return 0, nil }))
			},
		}
		for _, rc := range []struct {
			kind   string
			m      membership
			member scheduler.Runnable
		}{{"Pool", p, pm}, {"Group", g, gm}} {
			for name := range membershipCalls(rc.m, nil, rc.member) {
				switch name {
				case "Join", "Kill", "KillOne", "WaitAvailable":
				default:
					continue
				}
				if rc.kind == "Group" && name == "WaitAvailable" {
					continue // an unbounded group never waits for a slot
				}
				m, member, name := rc.m, rc.member, name
				calls[rc.kind+"."+name] = func(ctx context.Context) error {
					return membershipCalls(m, ctx, member)[name]()
				}
			}
		}

		cancelled, cancel := context.WithCancel(bg)
		cancel()
		for op, call := range calls {
			err := call(cancelled)
			assert.ErrorIs(t, err, context.Canceled, "%s, done at the call", op)
			assert.EqualError(t, err, "pool: "+op+": context canceled", "done at the call")

			ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
			err = call(ctx)
			cancel()
			assert.ErrorIs(t, err, context.DeadlineExceeded, "%s, deadline during the wait", op)
			assert.ErrorIs(t, err, scheduler.ErrTimeout, "%s, deadline during the wait", op)
			assert.EqualError(t, err, "pool: "+op+": context deadline exceeded", "deadline during the wait")
		}
		assert.True(t, p.Contains(pm))
		assert.True(t, g.Contains(gm))

		release.Set()
		require.NoError(t, p.Join(bg))
		require.NoError(t, g.Join(bg))
		return nil
	})
}
