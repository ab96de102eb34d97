package event_test

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// TestForeignUnlinkTouchesNothing: a goroutine's Unlink, while the hub's
// greenlet binds the event with its first Rawlink, does nothing and reads
// nothing the hub writes (before, it read the links' hub field first: a data
// race the race detector flagged).
func TestForeignUnlinkTouchesNothing(t *testing.T) {
	for range 20 {
		var e event.Event
		run(t, func() error {
			done := make(chan struct{})
			go func() { e.Unlink(1); close(done) }()
			id := e.Rawlink(func(scheduler.Linkable) {})
			require.NotZero(t, id)
			<-done
			assert.Equal(t, 1, e.LinkCount(), "the hub's link stays")
			return nil
		})
	}
}

// flagOwner is a user type built on Links: ready while its flag is set.
type flagOwner struct {
	links event.Links
	ready atomic.Bool
}

func (o *flagOwner) Ready() bool { return o.ready.Load() }

func (o *flagOwner) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	return o.links.Rawlink(o, fn)
}

func (o *flagOwner) Unlink(id scheduler.LinkID) { o.links.Unlink(id) }

// TestForeignCheckAndNotifyTouchesNothing: Links.CheckAndNotify called from
// a goroutine that is no greenlet of the links' hub (misuse: NotifyAny is
// the goroutine-safe form) changes nothing and reads nothing the hub
// writes. Before, it read the pending-notification flag, the links and the
// bound hub before it checked its caller: data races the race detector
// flagged while the hub linked and notified.
func TestForeignCheckAndNotifyTouchesNothing(t *testing.T) {
	o := &flagOwner{}
	o.ready.Store(true)
	run(t, func() error {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				o.links.CheckAndNotify(o)
			}
		}()
		calls := 0
		for range 200 {
			o.Rawlink(func(scheduler.Linkable) { calls++ })
			require.NoError(t, scheduler.Sleep(bg, 0))
		}
		close(stop)
		<-done
		assert.Equal(t, 200, calls)
		assert.Zero(t, o.links.Len())
		return nil
	})
}
