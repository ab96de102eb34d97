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
