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

// TestGoexitLeavesTheArrivalsBeforeTheLinksAddedDuringTheRound: a greenlet
// that waits on the set event while its round is pending arrives in that
// round (gevent's arrived_while_waiting) and wakes after the links, before
// a link one of those added, which waits for the next round. When the link
// that added it calls runtime.Goexit, the next round keeps that order: the
// link after it, the arrival, then the added link, as when it returns (and
// as gevent 22.10, whose link raises instead, with /usr/bin/python3: link,
// arrival, added). Before, the round's end after a Goexit put the arrivals
// behind the links added during the round.
func TestGoexitLeavesTheArrivalsBeforeTheLinksAddedDuringTheRound(t *testing.T) {
	for _, exit := range []bool{false, true} {
		t.Run(map[bool]string{false: "return", true: "Goexit"}[exit], func(t *testing.T) {
			var e event.Event
			run(t, func() error {
				quietHub()
				var order []string
				var ran event.Event
				e.Rawlink(func(scheduler.Linkable) {
					order = append(order, "link")
					e.Rawlink(func(scheduler.Linkable) { order = append(order, "added"); ran.Set() })
					if exit {
						runtime.Goexit()
					}
				})
				e.Rawlink(func(scheduler.Linkable) { order = append(order, "next") })
				e.Set()
				require.NoError(t, e.Wait(within(t, 5*time.Second)), "the arrival")
				order = append(order, "arrival")
				require.NoError(t, ran.Wait(within(t, 5*time.Second)))
				assert.Equal(t, []string{"link", "next", "arrival", "added"}, order)
				assert.Zero(t, e.LinkCount())
				return nil
			})
		})
	}
}

// turns is an owner whose links are called one per turn (OnlyWhileReady),
// as a semaphore's.
type turns struct {
	n     int
	links event.Links
}

func (o *turns) Ready() bool                                          { return o.n > 0 }
func (o *turns) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID { return o.links.Rawlink(o, fn) }
func (o *turns) Unlink(id scheduler.LinkID)                           { o.links.Unlink(id) }
func (o *turns) give()                                                { o.n++; o.links.CheckAndNotify(o) }

// TestGoexitWhenNoTurnIsLeftKeepsTheArrivalsLast: a round of an
// OnlyWhileReady owner that a link leaves no longer ready stops at once
// when the link returns: the links not called, the links added during the
// round, then the arrivals wait for the next turns in that order. A link
// that calls runtime.Goexit instead leaves the same order (the arrivals go
// before the added links only when the owner is still ready, as the round
// would have gone on).
func TestGoexitWhenNoTurnIsLeftKeepsTheArrivalsLast(t *testing.T) {
	for _, exit := range []bool{false, true} {
		t.Run(map[bool]string{false: "return", true: "Goexit"}[exit], func(t *testing.T) {
			run(t, func() error {
				quietHub()
				o := &turns{}
				o.links.OnlyWhileReady = true
				var order []string
				var start event.Event
				g := scheduler.Go(func() error {
					if err := start.Wait(within(t, 5*time.Second)); err != nil {
						return err
					}
					err := o.links.Wait(within(t, 5*time.Second), o, "turns") // an arrival
					order = append(order, "arrival")
					return err
				})
				require.NoError(t, scheduler.Sleep(bg, 0))
				take := func(s string) func(scheduler.Linkable) {
					return func(scheduler.Linkable) { o.n--; order = append(order, s) }
				}
				o.Rawlink(func(l scheduler.Linkable) {
					take("first")(l)
					o.Rawlink(take("added"))
					if exit {
						runtime.Goexit()
					}
				})
				o.Rawlink(take("second"))
				start.Set() // wakes g, which arrives in the round queued next
				o.give()
				require.NoError(t, scheduler.Sleep(bg, 0))
				for range 3 {
					o.give()
					require.NoError(t, scheduler.Sleep(bg, 0))
				}
				_, err := g.Get(within(t, 5*time.Second))
				require.NoError(t, err)
				assert.Equal(t, []string{"first", "second", "added", "arrival"}, order)
				assert.Zero(t, o.links.Len())
				return nil
			})
		})
	}
}
