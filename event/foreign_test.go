package event_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// inGoroutine runs fn on a fresh goroutine without a hub and reports
// whether that goroutine still had no hub afterwards.
func inGoroutine(fn func()) (noHub bool) {
	done := make(chan bool)
	go func() {
		fn()
		done <- scheduler.CurrentHub() == nil
	}()
	return <-done
}

// TestForeverWaitWithoutHub: waiting forever on an unbound Event or
// AsyncResult from a goroutine with no hub fails with ErrNotGreenlet and
// creates no hub (before, it created one, hit LoopExit and leaked it); a
// ready one answers at once, still without a hub; and the objects stay
// unbound, so a hub's greenlets can use them afterwards.
func TestForeverWaitWithoutHub(t *testing.T) {
	var e event.Event
	var ar event.AsyncResult[int]
	require.True(t, inGoroutine(func() {
		_, err := e.Wait(scheduler.Forever)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		var ee *event.Error
		assert.ErrorAs(t, err, &ee)
		_, err = ar.Get(true, scheduler.Forever)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		_, err = ar.Wait(scheduler.Forever)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.Zero(t, e.LinkCount())
	}), "a hub was created")

	var set event.Event
	set.Set()
	require.True(t, inGoroutine(func() {
		ok, err := set.Wait(scheduler.Forever)
		require.NoError(t, err)
		assert.True(t, ok)
	}), "a hub was created for a set event")

	run(t, func() error {
		g := scheduler.Go(func() error { _, err := e.Wait(scheduler.Forever); return err })
		require.NoError(t, scheduler.Sleep(0))
		e.Set()
		ar.Set(3)
		v, err := ar.Get(true, scheduler.Forever)
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		return g.Join(scheduler.Forever)
	})
}

// TestTimedWaitWithoutHub: a timed wait has an outcome (the timeout), so it
// creates the goroutine's hub as Sleep would, and the goroutine owns it.
func TestTimedWaitWithoutHub(t *testing.T) {
	var e event.Event
	var created bool
	require.True(t, inGoroutine(func() {
		ok, err := e.Wait(time.Millisecond)
		require.NoError(t, err)
		assert.False(t, ok)
		h := scheduler.CurrentHub()
		if created = h != nil; created {
			require.NoError(t, h.Destroy())
		}
	}))
	assert.True(t, created)
}
