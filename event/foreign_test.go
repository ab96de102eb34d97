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
		_, err = g.Get(bg) // the waiter's own error: Join reports none
		return err
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

// TestForeignSetThenClearWakesWaiters: a goroutine's Set followed at once by
// Clear (a pulse) wakes the greenlets waiting on the event, as the same two
// calls on the hub do and as gevent's set() from another thread does (it
// checks ready() when it is called, then schedules the notifier); each
// Wait returns nil, the flag having been set while it waited. The hub is
// held until both calls are made, so the notification the Set posted runs
// after the Clear. Before, that notification looked at the flag only on the
// hub, found it clear and woke nobody: the waiters stayed blocked until
// their contexts ended.
func TestForeignSetThenClearWakesWaiters(t *testing.T) {
	var e event.Event
	run(t, func() error {
		var gs []*scheduler.Greenlet[struct{}]
		for range 3 {
			gs = append(gs, scheduler.Go(func() error { return e.Wait(within(t, 5*time.Second)) }))
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 3, e.LinkCount())
		done := make(chan struct{})
		go func() {
			e.Set()
			e.Clear()
			close(done)
		}()
		<-done // the hub is held: the posted notification runs after Clear
		for _, g := range gs {
			_, err := g.Get(within(t, 10*time.Second)) // the Wait's own error: Join reports none
			require.NoError(t, err)
		}
		assert.Zero(t, e.LinkCount())
		assert.False(t, e.IsSet())
		return nil
	})
}
