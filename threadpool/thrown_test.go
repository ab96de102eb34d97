package threadpool_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// waitingCalls are the pool's calls that wait, each made on p while its worker is held.
func waitingCalls(p *threadpool.ThreadPool, pending *threadpool.Result[int]) []struct {
	op   string
	call func() error
} {
	fn := func() (int, error) { return 1, nil }
	each := func(int) (int, error) { return 1, nil }
	firstErr := func(seq func(func(int, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	return []struct {
		op   string
		call func() error
	}{
		{"Apply", func() error { return errOf(threadpool.Apply(bg, p, fn)) }},
		{"Map", func() error { return errOf(threadpool.Map(bg, p, each, []int{1, 2})) }},
		{"ApplyCallback", func() error {
			return errOf(threadpool.ApplyCallback(bg, p, fn, func(int) error { return nil }))
		}},
		{"Result.Get", func() error { return errOf(pending.Get(bg)) }},
		{"ThreadPool.Join", func() error { return p.Join(bg) }},
		{"Imap", func() error { return firstErr(threadpool.Imap(bg, p, each, slices.Values([]int{1}))) }},
		{"ImapUnordered", func() error {
			return firstErr(threadpool.ImapUnordered(bg, p, each, slices.Values([]int{1})))
		}},
	}
}

// TestThrownErrorsKeepTheirCall: an error thrown into a greenlet waiting in one of the pool's
// calls (a Kill's) is wrapped in an *Error naming the pool's call, as it is: when it is another
// primitive's *Error (an event's, a queue's, the scheduler's), the call it names stays in it for
// errors.As, instead of the pool's *Error taking its cause under the pool's name.
func TestThrownErrorsKeepTheirCall(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		pending := threadpool.Spawn(p, func() (int, error) { <-release; return 0, nil }) // holds the worker
		cause := errors.New("cause")
		thrown := []error{
			&event.Error{Op: "Event.Wait", Err: cause},
			&queue.Error{Op: "Queue.Get", Err: cause},
			&scheduler.Error{Op: "Sleep", Err: cause},
			&threadpool.Error{Op: "Spawn", Err: cause},
			cause,
		}
		for _, c := range waitingCalls(p, pending) {
			for _, k := range thrown {
				var got error
				g := scheduler.Spawn(func() (int, error) { got = c.call(); return 0, nil })
				require.NoError(t, scheduler.Sleep(ctx, 0)) // g starts and waits
				require.False(t, g.Ready(), c.op)
				require.NoError(t, g.Kill(ctx, k))
				var te *threadpool.Error
				if !assert.ErrorAs(t, got, &te, "%s, %v", c.op, k) {
					continue
				}
				assert.Equal(t, c.op, te.Op, "%v", k)
				assert.Same(t, k, te.Err, "%s: the thrown error, as it is: %v", c.op, got)
				assert.ErrorIs(t, got, cause, c.op)
			}
		}
		close(release)
		_, err = pending.Get(ctx)
		require.NoError(t, err)
		require.NoError(t, p.Join(ctx))
		return p.Close()
	})
}

// TestWaitEndsNameTheCallOnce: a refusal of a wait that the Result's links decide (Result.Get
// from the hub greenlet) is the pool's *Error for the call around the sentinel itself, and an
// iteration's context end the pool's *Error around scheduler.ContextError's error: no other
// primitive's error between them.
func TestWaitEndsNameTheCallOnce(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		pending := threadpool.Spawn(p, func() (int, error) { <-release; return 0, nil })
		var refused error
		done := false
		scheduler.CurrentHub().RunCallback(func() {
			refused = errOf(pending.Get(ctx))
			done = true
		})
		waitFor(t, func() bool { return done })
		var te *threadpool.Error
		require.ErrorAs(t, refused, &te)
		assert.Equal(t, "Result.Get", te.Op)
		assert.ErrorIs(t, refused, scheduler.ErrNotGreenlet)
		var ee *event.Error
		assert.False(t, errors.As(refused, &ee), "%v: the links' error inside", refused)

		each := func(int) (int, error) { return 1, nil }
		for _, c := range []struct {
			op   string
			iter func(context.Context) func(func(int, error) bool)
		}{
			{"Imap", func(ctx context.Context) func(func(int, error) bool) {
				return threadpool.Imap(ctx, p, each, slices.Values([]int{1}))
			}},
			{"ImapUnordered", func(ctx context.Context) func(func(int, error) bool) {
				return threadpool.ImapUnordered(ctx, p, each, slices.Values([]int{1}))
			}},
		} {
			cctx, cancel := context.WithCancel(bg)
			g := scheduler.Spawn(func() (error, error) {
				for _, err := range c.iter(cctx) {
					return err, nil
				}
				return nil, nil
			})
			require.NoError(t, scheduler.Sleep(ctx, 0)) // g waits for the first outcome
			go cancel()
			got, err := g.Get(ctx)
			require.NoError(t, err)
			assert.Equal(t, &threadpool.Error{Op: c.op, Err: context.Canceled}, got)
		}
		close(release)
		_, err = pending.Get(ctx)
		require.NoError(t, err)
		require.NoError(t, p.Join(ctx))
		return p.Close()
	})
}
