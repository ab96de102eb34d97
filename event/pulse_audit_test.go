package event_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// TestForeignSetBeforeClearWakesNoLaterWaiter: a goroutine's Set, made
// while nobody waited, followed by a Clear on the hub and then a Wait,
// leaves that Wait blocked: the flag was not set while it waited. The Set's
// notification is still queued on the hub when the Wait starts (the hub is
// held until then); a marker posted after it cancels the Wait's context
// once it has run.
func TestForeignSetBeforeClearWakesNoLaterWaiter(t *testing.T) {
	var e event.Event
	run(t, func() error {
		e.Set()
		require.NoError(t, e.Wait(bg)) // binds the event to this hub
		e.Clear()
		h := scheduler.CurrentHub()
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		done := make(chan struct{})
		go func() {
			e.Set() // nobody waits: nothing is due
			_ = h.Post(cancel)
			close(done)
		}()
		<-done // the hub is held: the Set's notification and the marker are queued
		e.Clear()
		err := e.Wait(ctx)
		assert.True(t, errors.Is(err, context.Canceled), "Wait woken by a Set made before it started: %v", err)
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

// TestForeignPulsesWakeEveryWaiter: greenlets waiting on an event that
// several goroutines set and clear at once all wake, whatever the order the
// pulses' notifications reach the hub in (each notification finds them
// linked before its Set).
func TestForeignPulsesWakeEveryWaiter(t *testing.T) {
	var e event.Event
	run(t, func() error {
		var gs []*scheduler.Greenlet[struct{}]
		for range 8 {
			gs = append(gs, scheduler.Go(func() error { return e.Wait(within(t, 5*time.Second)) }))
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, len(gs), e.LinkCount())
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 100 {
					e.Set()
					e.Clear()
				}
			})
		}
		for _, g := range gs {
			_, err := g.Get(within(t, 10*time.Second)) // the Wait's own error: Join reports none
			require.NoError(t, err)
		}
		wg.Wait()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Zero(t, e.LinkCount())
		return nil
	})
}
