package faults

import (
	"testing"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

//go:noinline
func panicInEventLink(scheduler.Linkable) { panic("event link boom") }

// TestEventLinkPanicCarriesStack: a panicking Event link is reported with
// a *scheduler.PanicError whose stack, and the report's text, show where it
// panicked; the round goes on.
func TestEventLinkPanicCarriesStack(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		var e event.Event
		ran := false
		e.Rawlink(panicInEventLink)
		e.Rawlink(func(scheduler.Linkable) { ran = true })
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, ran)
		reps := r.all()
		require.Len(t, reps, 1)
		var pe *scheduler.PanicError
		require.ErrorAs(t, reps[0], &pe)
		assert.Equal(t, "event link boom", pe.Value)
		assert.Contains(t, string(pe.Stack), "panicInEventLink")
		assert.Contains(t, reps[0].Error(), "event: panic in link: event link boom")
		assert.Contains(t, reps[0].Error(), "panicInEventLink", "the report's text carries the stack")
	})
}
