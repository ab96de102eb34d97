package event_test

import (
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
