package faults

import (
	"context"
	"testing"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

//go:noinline
func panicInEventLink(scheduler.Linkable) { panic("event link boom") }

// TestEventLinkPanicCarriesStack: a panicking Event link is reported with
// a *scheduler.PanicError whose stack, and the report's text, show where it
// panicked; the round goes on.
func TestEventLinkPanicCarriesStack(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		var e event.Event
		ran := false
		e.Rawlink(panicInEventLink)
		e.Rawlink(func(scheduler.Linkable) { ran = true })
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, ran)
		reps := r.all()
		require.Len(t, reps, 1)
		var pe *scheduler.PanicError
		require.ErrorAs(t, reps[0], &pe)
		assert.Equal(t, "event link boom", pe.Value)
		assert.Contains(t, string(pe.Stack), "panicInEventLink")
		assert.Contains(t, reps[0].Error(), "event: panic in link: event link boom")
		assert.Contains(t, reps[0].Error(), "panicInEventLink", "the report's text carries the stack")
	})
}

// mainWait is a wait of the main greenlet, and what must hold of its object
// after an exit request ended it.
type mainWait struct {
	name  string
	setup func(t *testing.T) (block func(ctx context.Context) error, check func(t *testing.T))
}

var mainWaits = []mainWait{
	{"Sleep", func(t *testing.T) (func(context.Context) error, func(*testing.T)) {
		return func(ctx context.Context) error { return scheduler.Sleep(ctx, time.Hour) }, nil
	}},
	{"Event.Wait", func(t *testing.T) (func(context.Context) error, func(*testing.T)) {
		var e event.Event
		return e.Wait, func(t *testing.T) {
			assert.Zero(t, e.LinkCount(), "main's link was removed")
			e.Set()
			require.NoError(t, e.Wait(bg))
		}
	}},
	{"Queue.Get", func(t *testing.T) (func(context.Context) error, func(*testing.T)) {
		q := queue.New[int](0)
		return func(ctx context.Context) error { _, err := q.Get(ctx); return err }, func(t *testing.T) {
			assert.Zero(t, q.Getters(), "main's getter was removed")
			require.NoError(t, q.TryPut(1))
			v, err := q.Get(bg)
			require.NoError(t, err)
			assert.Equal(t, 1, v)
		}
	}},
	{"Semaphore.Acquire", func(t *testing.T) (func(context.Context) error, func(*testing.T)) {
		s, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		return s.Acquire, func(t *testing.T) {
			assert.Zero(t, s.LinkCount(), "main's link was removed")
			_, err := s.Release()
			require.NoError(t, err)
			require.NoError(t, s.Acquire(bg))
		}
	}},
	{"Greenlet.Join", func(t *testing.T) (func(context.Context) error, func(*testing.T)) {
		g := scheduler.Go(func() error { return scheduler.Sleep(bg, time.Hour) })
		return g.Join, func(t *testing.T) {
			assert.False(t, g.HasLinks(), "main's link was removed")
			require.NoError(t, g.Kill(bg, nil))
		}
	}},
}

// TestExitThrownIntoMainWaits: an exit request from a greenlet ends main's
// wait in each primitive as a kill would end a greenlet's: the call returns
// it, the primitive forgets main, and the loop is back at its baseline
// (withHub checks) once the failing greenlet finished.
func TestExitThrownIntoMainWaits(t *testing.T) {
	for _, w := range mainWaits {
		t.Run(w.name, func(t *testing.T) {
			withHub(t, func(h *scheduler.Hub, r *reports) {
				block, check := w.setup(t)
				g := scheduler.Go(func() error { return &scheduler.ExitError{Code: 2} })
				err := block(bg)
				var exit *scheduler.ExitError
				require.ErrorAs(t, err, &exit)
				assert.Equal(t, 2, exit.Code)
				if check != nil {
					check(t)
				}
				assert.True(t, g.Ready())
				// The failing greenlet finishes when main waits again.
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.True(t, g.Dead())
				reps := r.all()
				require.Len(t, reps, 1, "the handler saw it once")
				assert.ErrorIs(t, reps[0], scheduler.ErrExit)
			})
		})
	}
}
