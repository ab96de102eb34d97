package pool_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// TestFreedSlotWakesWaitersWhileFree: a freed slot wakes the greenlets waiting for one in turn
// for as long as it stays free, as lock.Semaphore's Release wakes its waiters and gevent's Pool
// (its semaphore) does: a WaitAvailable queued behind a Spawn is not woken once that Spawn took
// the slot, and returns 1 when the spawned greenlet frees it. The pool keeps its own list of
// the greenlets waiting for a slot, woken as the semaphore's are; woken all at once, that
// WaitAvailable returned 0 with no slot free, and no other test saw it.
func TestFreedSlotWakesWaitersWhileFree(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p := mustNew(t, 1)
		var busyDone, jobDone event.Event
		_, err := pool.Spawn(ctx, p, func() (int, error) { return 0, busyDone.Wait(ctx) })
		require.NoError(t, err)
		spawned := false
		a := scheduler.Go(func() error {
			_, err := pool.Spawn(ctx, p, func() (int, error) { return 0, jobDone.Wait(ctx) })
			spawned = true
			return err
		})
		w := scheduler.Spawn(func() (int, error) { return p.WaitAvailable(ctx) })
		require.NoError(t, scheduler.Sleep(ctx, 0)) // a waits for a slot, w behind it
		require.False(t, spawned)
		require.False(t, w.Ready())

		busyDone.Set()
		for !spawned { // a takes the freed slot
			require.NoError(t, scheduler.Sleep(ctx, time.Millisecond))
		}
		require.NoError(t, scheduler.Sleep(ctx, 0))
		assert.False(t, w.Ready(), "WaitAvailable woken with no slot free: %d", w.Value())
		assert.True(t, p.Full())

		jobDone.Set()
		n, err := w.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = a.Get(ctx)
		require.NoError(t, err)
		return p.Join(ctx)
	})
}
