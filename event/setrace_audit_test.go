package event_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// clearOnceSet starts a goroutine that clears e as soon as it sees it set,
// and returns a channel closed once it did: its Clear lands right after the
// Set, as close to the Set's own steps as another core can.
func clearOnceSet(e *event.Event) <-chan struct{} {
	running, done := make(chan struct{}), make(chan struct{})
	go func() {
		close(running)
		for !e.IsSet() {
		}
		e.Clear()
		close(done)
	}()
	<-running
	return done
}

// TestSetRacingAClearWakesWaiters: a greenlet waiting on an event when Set
// is called wakes, even when another goroutine clears the event right after
// the Set, whether the Set is made on the hub or from a third goroutine
// (Clear's doc: greenlets waiting when Set was called still wake, whichever
// goroutine called it). Timing-dependent in what it catches, not in what it
// asserts: the clearing goroutine spins until it sees the flag, so its Clear
// often lands between the Set's store and the Set's look at the flag, where
// a Set that asked whether the event was still set (rather than knowing it
// had just set it) scheduled no wake-up and the waiter stayed blocked until
// its context ended. Each round passes whatever the interleaving.
func TestSetRacingAClearWakesWaiters(t *testing.T) {
	for _, foreign := range []bool{false, true} {
		var e event.Event
		run(t, func() error {
			for i := range 5000 {
				g := scheduler.Go(func() error { return e.Wait(within(t, 5*time.Second)) })
				require.NoError(t, scheduler.Sleep(bg, 0))
				require.Equal(t, 1, e.LinkCount())
				cleared := clearOnceSet(&e)
				if foreign {
					set := make(chan struct{})
					go func() { e.Set(); close(set) }()
					<-set
				} else {
					e.Set()
				}
				<-cleared
				_, err := g.Get(within(t, 10*time.Second)) // the Wait's own error: Join reports none
				require.NoError(t, err, "foreign=%v round %d", foreign, i)
			}
			return nil
		})
	}
}
