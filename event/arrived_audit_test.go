package event_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// clearElsewhere clears e from another goroutine and returns once it did.
func clearElsewhere(e *event.Event) {
	done := make(chan struct{})
	go func() { e.Clear(); close(done) }()
	<-done
}

// arrivedTwice waits on e, then again while the round that woke it still
// runs, so that it is woken a second time in the round's arrived pass.
func arrivedTwice(e *event.Event) error {
	if err := e.Wait(bg); err != nil {
		return err
	}
	return e.Wait(bg) // the flag is set and the round pending: an arrival
}

// TestArrivalAfterTheArrivedPassWakesAfterAClear: a greenlet woken in a
// round's arrived pass that waits again while the flag is still set arrives
// after that pass's last waiter; when another goroutine clears the event
// before the round ends, its Wait still returns nil, the flag having been
// set when it began (Wait's doc: the round it waits for always comes).
// Before, the round ended with the flag clear and scheduled no other one,
// so the waiter, whose context that wait ignores, stayed blocked until the
// next Set: for ever here. gevent does the same (its arrival after the
// arrived pass goes back to the links and waits for the next set(),
// whatever its timeout).
func TestArrivalAfterTheArrivedPassWakesAfterAClear(t *testing.T) {
	var e event.Event
	run(t, func() error {
		a := scheduler.Go(func() error {
			if err := arrivedTwice(&e); err != nil {
				return err
			}
			return e.Wait(within(t, 5*time.Second)) // arrives after the pass's last waiter
		})
		b := scheduler.Go(func() error {
			if err := arrivedTwice(&e); err != nil {
				return err
			}
			clearElsewhere(&e) // a's third Wait has arrived; the round goes on after b
			return nil
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 2, e.LinkCount())
		e.Set()
		_, err := b.Get(within(t, 5*time.Second))
		require.NoError(t, err)
		_, err = a.Get(within(t, 10*time.Second))
		require.NoError(t, err, "a's Wait, begun while the flag was set, never returned")
		assert.False(t, e.IsSet())
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

// TestWaitAfterAForeignClearIgnoresAnEarlierSet: a greenlet woken in a
// round's arrived pass that waits again after another goroutine set the
// (still set) event and cleared it is not woken by that Set's notification:
// the flag was not set while it waited. The same goroutine then posts a
// marker that cancels the Wait's context, which therefore ends it.
//
// The arrival of the other greenlet after the arrived pass (as in
// TestArrivalAfterTheArrivedPassWakesAfterAClear) is left behind that pass
// and put back in the links, now before the later waiter's. Before, the
// Set's notification found that older link first, scheduled a round, and
// the round woke every link: the later Wait returned nil.
func TestWaitAfterAForeignClearIgnoresAnEarlierSet(t *testing.T) {
	var e event.Event
	run(t, func() error {
		h := scheduler.CurrentHub()
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		a := scheduler.Go(func() error {
			if err := arrivedTwice(&e); err != nil {
				return err
			}
			return e.Wait(within(t, 5*time.Second))
		})
		b := scheduler.Go(func() error {
			if err := arrivedTwice(&e); err != nil {
				return err
			}
			done := make(chan struct{})
			go func() {
				e.Set() // already set: only its notification is posted
				e.Clear()
				_ = h.Post(cancel) // after the Set's notification
				close(done)
			}()
			<-done
			if err := scheduler.Sleep(bg, 0); err != nil { // the round ends meanwhile
				return err
			}
			return e.Wait(ctx) // the Clear happened before this Wait began
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 2, e.LinkCount())
		e.Set()
		_, err := a.Get(within(t, 10*time.Second))
		require.NoError(t, err)
		_, err = b.Get(within(t, 10*time.Second))
		assert.True(t, errors.Is(err, context.Canceled), "Wait begun after a Clear woken by a Set made before it: %v", err)
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

// TestWaitAfterClearOnTheHubJoinsThePendingRound pins gevent's order on the
// hub: a wait and a rawlink begun after set() and clear(), while the set's
// round is pending, are woken by that round (gevent's notifier calls every
// link present; its wait then returns True). Only a round that another
// goroutine's notification started is limited to the links the flag was
// set for (TestWaitAfterAForeignClearIgnoresAnEarlierSet).
func TestWaitAfterClearOnTheHubJoinsThePendingRound(t *testing.T) {
	var e event.Event
	run(t, func() error {
		g := scheduler.Go(func() error { return e.Wait(within(t, 5*time.Second)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Set() // schedules the round for g
		e.Clear()
		called := false
		require.NotZero(t, e.Rawlink(func(scheduler.Linkable) { called = true }))
		require.NoError(t, e.Wait(within(t, 5*time.Second)), "the Wait begun after the Clear, woken by the pending round as in gevent")
		_, err := g.Get(within(t, 5*time.Second))
		require.NoError(t, err, "the waiter of before the Set")
		assert.True(t, called, "the link added after the Clear")
		assert.Zero(t, e.LinkCount())
		assert.False(t, e.IsSet())
		return nil
	})
}

// TestHubSetMakesAPendingForeignRoundFull: a Set on the hub while a round
// that another goroutine's Set and Clear started is pending is a Set on the
// hub as any other: the round then calls every link present, as the round
// that Set would have started (TestWaitAfterClearOnTheHubJoinsThePendingRound),
// so a Wait and a Rawlink begun on the hub after that Set and a Clear are
// woken by it (gevent's wait returns True there). Before, the round stayed
// limited to the links of the foreign Set: both waited for the next Set.
func TestHubSetMakesAPendingForeignRoundFull(t *testing.T) {
	var e event.Event
	run(t, func() error {
		h := scheduler.CurrentHub()
		a := scheduler.Go(func() error { return e.Wait(within(t, 5*time.Second)) })
		var w scheduler.Waiter
		b := scheduler.Go(func() error {
			if _, err := w.Get(within(t, 5*time.Second)); err != nil {
				return err
			}
			return e.Wait(within(t, 5*time.Second)) // begun after the hub's Set and Clear
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 1, e.LinkCount())
		called := false
		done := make(chan struct{})
		go func() {
			e.Set()
			e.Clear()
			// Runs on the hub after the notification the Set posted, which
			// schedules the round for a, and before that round.
			_ = h.Post(func() {
				e.Set()
				e.Clear()
				e.Rawlink(func(scheduler.Linkable) { called = true })
				w.Switch(nil) // b begins its Wait and blocks
			})
			close(done)
		}()
		<-done // the hub is held: both run after the Clear
		_, err := a.Get(within(t, 5*time.Second))
		require.NoError(t, err, "the waiter of before the foreign Set")
		_, err = b.Get(within(t, 10*time.Second))
		require.NoError(t, err, "the Wait begun after the hub's Set and Clear, woken by the pending round as in gevent")
		assert.True(t, called, "the link added after the hub's Set and Clear")
		assert.Zero(t, e.LinkCount())
		assert.False(t, e.IsSet())
		return nil
	})
}

// TestForeignRoundSkipsLinksAddedAfterItsClear: the round that another
// goroutine's Set starts, run after that goroutine's Clear, wakes the
// greenlet that waited before the Set but not a Wait nor a Rawlink begun on
// the hub after the Clear (both before the round runs): the flag was not set
// while they waited, so they wait for the next Set. The Wait's context is
// cancelled by a marker posted after them, which the round runs before.
func TestForeignRoundSkipsLinksAddedAfterItsClear(t *testing.T) {
	var e event.Event
	run(t, func() error {
		h := scheduler.CurrentHub()
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		a := scheduler.Go(func() error { return e.Wait(within(t, 5*time.Second)) })
		var w scheduler.Waiter
		b := scheduler.Go(func() error {
			if _, err := w.Get(within(t, 5*time.Second)); err != nil {
				return err
			}
			return e.Wait(ctx) // begun after the Clear
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 1, e.LinkCount())
		called := false
		done := make(chan struct{})
		go func() {
			e.Set()
			e.Clear()
			// Runs on the hub after the notification the Set posted, which
			// schedules the round for a, and before that round.
			_ = h.Post(func() {
				e.Rawlink(func(scheduler.Linkable) { called = true })
				w.Switch(nil) // b begins its Wait and blocks
			})
			_ = h.Post(cancel)
			close(done)
		}()
		<-done
		_, err := a.Get(within(t, 5*time.Second))
		require.NoError(t, err, "the waiter of before the Set")
		_, err = b.Get(within(t, 5*time.Second))
		require.ErrorIs(t, err, context.Canceled, "a Wait begun after the Clear, woken by the Set before it")
		assert.False(t, called, "a link added after the Clear, called for the Set before it")
		require.Equal(t, 1, e.LinkCount(), "the link added after the Clear waits for the next Set")
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, called, "the next Set calls it")
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

// TestLinkUnlinksALinkTheRoundHoldsBack: a link that a round limited to the
// links the flag was set for does not call (added after the Clear that
// followed a foreign Set) can be unlinked by a link of that round, as any
// link: it is gone when the round ends, and the next Set does not call it.
func TestLinkUnlinksALinkTheRoundHoldsBack(t *testing.T) {
	var e event.Event
	run(t, func() error {
		h := scheduler.CurrentHub()
		var held scheduler.LinkID
		heldCalled := false
		var ran event.Event
		require.NotZero(t, e.Rawlink(func(scheduler.Linkable) {
			e.Unlink(held)
			ran.Set()
		}))
		done := make(chan struct{})
		go func() {
			e.Set()
			e.Clear()
			_ = h.Post(func() { // after the round is scheduled, before it runs
				held = e.Rawlink(func(scheduler.Linkable) { heldCalled = true })
			})
			close(done)
		}()
		<-done
		require.NoError(t, ran.Wait(within(t, 5*time.Second)), "the link of before the Set")
		require.NotZero(t, held)
		assert.Zero(t, e.LinkCount(), "the link unlinked during the round is back")
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.False(t, heldCalled, "an unlinked link was called")
		return nil
	})
}
