package event_test

import (
	"context"
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

// TestWaitWithoutHub: from a goroutine with no hub, every wait on an Event
// or AsyncResult (set or not, with or without a deadline) fails with
// ErrNotGreenlet and creates no hub; the objects stay unbound, so a hub's
// greenlets can use them afterwards.
func TestWaitWithoutHub(t *testing.T) {
	var e event.Event
	var ar event.AsyncResult[int]
	var set event.Event
	set.Set()
	require.True(t, inGoroutine(func() {
		for _, ctx := range []context.Context{bg, within(t, time.Millisecond)} {
			err := e.Wait(ctx)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			var ee *event.Error
			assert.ErrorAs(t, err, &ee)
			_, err = ar.Get(ctx)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			assert.ErrorIs(t, ar.Wait(ctx), scheduler.ErrNotGreenlet)
			assert.ErrorIs(t, set.Wait(ctx), scheduler.ErrNotGreenlet)
		}
		assert.Zero(t, e.LinkCount())
	}), "a hub was created")

	run(t, func() error {
		g := scheduler.Go(func() error { return e.Wait(bg) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Set()
		ar.Set(3)
		v, err := ar.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		return g.Join(bg)
	})
}

// Get on a set AsyncResult is refused outside a greenlet of its hub, as
// Wait on a set Event is: from a goroutine that is no greenlet and from a
// hub callback.
func TestReadyAsyncResultGetIsHubAffine(t *testing.T) {
	var ar event.AsyncResult[int]
	ar.Set(3)
	var set event.Event
	set.Set()
	require.True(t, inGoroutine(func() {
		_, err := ar.Get(bg)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	}), "a hub was created")
	run(t, func() error {
		var errWait, errGet error
		scheduler.CurrentHub().RunCallback(func() {
			errWait = set.Wait(bg)
			_, errGet = ar.Get(bg)
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.ErrorIs(t, errWait, scheduler.ErrNotGreenlet)
		assert.ErrorIs(t, errGet, scheduler.ErrNotGreenlet)
		v, err := ar.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		return nil
	})
}
