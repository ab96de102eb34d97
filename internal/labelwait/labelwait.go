// Package labelwait holds the wait on an event.Event that the packages above event make for a
// greenlet that runinfo and LoopExit's report are to show waiting in their own call (a Join),
// where the event's own Wait shows Event.Wait.
package labelwait

import (
	"context"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// Event is e.Wait(ctx) parked in w, whose label is what the greenlet shows. Once e is set it
// takes e's own wait, which returns at once or after the wake-up round pending on the hub; a
// link e refuses takes it too, so that e's wait says why.
func Event(ctx context.Context, e *event.Event, w *scheduler.Waiter) error {
	if e.Ready() {
		return e.Wait(ctx)
	}
	id := e.Rawlink(func(scheduler.Linkable) { w.Switch(nil) })
	if id == 0 {
		return e.Wait(ctx)
	}
	if _, err := w.Get(ctx); err != nil {
		e.Unlink(id)
		return err
	}
	return nil
}
