package lock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

// TestThrownErrorsComeBackAsTheyAre: an error thrown into a greenlet waiting on a lock (a Kill's)
// comes back as it is, as the package doc says, also when it is an *event.Error (another
// primitive's failed call): it was renamed into lock's *Error under the event's op, so its text
// named package lock and errors.As found no *event.Error.
// (internal/faults' TestContextEndNamesTheCall pins the lock's own ends: named by its call.)
func TestThrownErrorsComeBackAsTheyAre(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		sem, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		bsem, err := lock.NewBoundedSemaphore(1)
		require.NoError(t, err)
		require.NoError(t, bsem.Acquire(ctx))
		var l lock.Lock
		require.NoError(t, l.Acquire(ctx))
		var rl lock.RLock
		require.NoError(t, rl.Acquire(ctx)) // held by the main greenlet: others wait
		waits := []struct {
			op   string
			wait func(context.Context) error
		}{
			{"Semaphore.Acquire", sem.Acquire},
			{"Semaphore.Wait", func(ctx context.Context) error { _, err := sem.Wait(ctx); return err }},
			{"BoundedSemaphore.Acquire", bsem.Acquire},
			{"BoundedSemaphore.Wait", func(ctx context.Context) error { _, err := bsem.Wait(ctx); return err }},
			{"Lock.Acquire", l.Acquire},
			{"RLock.Acquire", rl.Acquire},
		}
		for _, w := range waits {
			thrown := &event.Error{Op: "Event.Wait", Err: errors.New("cause")}
			var got error
			g := scheduler.Spawn(func() (int, error) { got = w.wait(bg); return 0, nil })
			require.NoError(t, scheduler.Sleep(ctx, 0)) // g waits
			require.False(t, g.Ready(), w.op)
			require.NoError(t, g.Kill(ctx, thrown))
			assert.Same(t, thrown, got, "%s: %T %v", w.op, got, got)
		}
		return nil
	})
}
