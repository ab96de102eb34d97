package event_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// quietHub makes the current hub's error handler drop what it is given (the
// Goexit reports the tests cause on purpose).
func quietHub() { scheduler.CurrentHub().SetErrorHandler(func(error) {}) }

// TestGoexitInAHubRoundStillCallsTheLinksAddedAfterItsClear: a round that a
// Set on the hub started calls every link present, also a Rawlink and a Wait
// begun after a Clear that followed the Set
// (TestWaitAfterClearOnTheHubJoinsThePendingRound); when an earlier link of
// that round calls runtime.Goexit, the links it had not called yet are
// called in the next round, those too. Before, the round's end looked only
// for links the flag was set for, found none, and scheduled nothing: the
// Rawlink was not called and the Wait ended at its deadline (with no
// deadline, for ever).
func TestGoexitInAHubRoundStillCallsTheLinksAddedAfterItsClear(t *testing.T) {
	var e event.Event
	run(t, func() error {
		quietHub()
		var order []string
		g := scheduler.Go(func() error {
			err := e.Wait(within(t, 5*time.Second))
			order = append(order, "waiter")
			return err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Rawlink(func(scheduler.Linkable) { order = append(order, "exit"); runtime.Goexit() })
		e.Set() // schedules the round
		e.Clear()
		e.Rawlink(func(scheduler.Linkable) { order = append(order, "after the Clear") })
		err := e.Wait(within(t, 5*time.Second))
		order = append(order, "main")
		require.NoError(t, err, "the Wait begun after the Clear")
		_, err = g.Get(within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, []string{"waiter", "exit", "after the Clear", "main"}, order)
		assert.Zero(t, e.LinkCount())
		assert.False(t, e.IsSet())
		return nil
	})
}

// TestGoexitInAHeldBackRoundKeepsTheLinksOrder: a round that another
// goroutine's Set and Clear started holds back a link added on the hub
// after that Clear; when a link of that round sets the event on the hub and
// calls runtime.Goexit, the next round calls the links left in the order
// they were added, as it does when that link returns (the round calls the
// one after it, then the next round the held-back one). Before, the links
// held back went in front of the ones the round had not called yet.
func TestGoexitInAHeldBackRoundKeepsTheLinksOrder(t *testing.T) {
	for _, exit := range []bool{false, true} {
		name := map[bool]string{false: "return", true: "Goexit"}[exit]
		t.Run(name, func(t *testing.T) {
			var e event.Event
			run(t, func() error {
				quietHub()
				h := scheduler.CurrentHub()
				var order []string
				var ran event.Event
				e.Rawlink(func(scheduler.Linkable) {
					order = append(order, "set")
					e.Set() // on the hub: the next round calls every link
					if exit {
						runtime.Goexit()
					}
				})
				e.Rawlink(func(scheduler.Linkable) { order = append(order, "due") })
				done := make(chan struct{})
				go func() {
					e.Set()
					e.Clear()
					_ = h.Post(func() { // after the round is scheduled, before it runs
						e.Rawlink(func(scheduler.Linkable) { order = append(order, "held back"); ran.Set() })
					})
					close(done)
				}()
				<-done
				require.NoError(t, ran.Wait(within(t, 5*time.Second)))
				assert.Equal(t, []string{"set", "due", "held back"}, order)
				assert.Zero(t, e.LinkCount())
				return nil
			})
		})
	}
}

// TestGoexitAtTheRoundsLastLinkWakesItsArrivals: a greenlet woken by a
// round that waits again on the event, still set, arrives in that round
// (gevent's arrived_while_waiting); when the round's last link then calls
// runtime.Goexit, before the round's pass over its arrivals, the arrival is
// woken by the next round. (Without a round's end after a Goexit it waited
// for good: its wait ignores its context.)
func TestGoexitAtTheRoundsLastLinkWakesItsArrivals(t *testing.T) {
	var e event.Event
	run(t, func() error {
		quietHub()
		var order []string
		g := scheduler.Go(func() error {
			if err := e.Wait(within(t, 5*time.Second)); err != nil {
				return err
			}
			order = append(order, "woken")
			err := e.Wait(within(t, 5*time.Second)) // an arrival of the round
			order = append(order, "arrival woken")
			return err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Rawlink(func(scheduler.Linkable) { order = append(order, "exit"); runtime.Goexit() })
		e.Set()
		_, err := g.Get(within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, []string{"woken", "exit", "arrival woken"}, order)
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

// TestGoexitInAHeldBackRoundCallsEachLinkOnce: in a round that another
// goroutine's Set and Clear started, which holds back a link added on the
// hub after that Clear, a link that calls runtime.Goexit leaves the links
// after it to the next round, which calls them once and holds the same link
// back again; the next Set calls that one, once.
func TestGoexitInAHeldBackRoundCallsEachLinkOnce(t *testing.T) {
	var e event.Event
	run(t, func() error {
		quietHub()
		h := scheduler.CurrentHub()
		var order []string
		rec := func(s string) func(scheduler.Linkable) {
			return func(scheduler.Linkable) { order = append(order, s) }
		}
		var ran event.Event
		e.Rawlink(rec("first"))
		e.Rawlink(func(scheduler.Linkable) { order = append(order, "exit"); runtime.Goexit() })
		e.Rawlink(rec("after"))
		e.Rawlink(func(scheduler.Linkable) { order = append(order, "last"); ran.Set() })
		done := make(chan struct{})
		go func() {
			e.Set()
			e.Clear()
			_ = h.Post(func() { e.Rawlink(rec("held back")) }) // before the round runs
			close(done)
		}()
		<-done
		require.NoError(t, ran.Wait(within(t, 5*time.Second)))
		assert.Equal(t, []string{"first", "exit", "after", "last"}, order)
		assert.Equal(t, 1, e.LinkCount(), "the held-back link waits for the next Set")
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []string{"first", "exit", "after", "last", "held back"}, order)
		assert.Zero(t, e.LinkCount())
		return nil
	})
}
