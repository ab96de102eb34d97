package scheduler

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunCallbackOrderAndStop(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		var trace []int
		h.RunCallback(func() {
			trace = append(trace, 1)
			h.RunCallback(func() { trace = append(trace, 4) }) // same drain
		})
		cb := h.RunCallback(func() { trace = append(trace, 99) })
		h.RunCallback(func() { panic("callback boom") })
		h.RunCallback(func() { trace = append(trace, 3) })
		assert.True(t, cb.Pending())
		cb.Stop()
		assert.False(t, cb.Pending())
		require.NoError(t, Sleep(bg, 0))
		// 4 was queued during the drain, after main's own wake-up.
		assert.Equal(t, []int{1, 3}, trace)
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []int{1, 3, 4}, trace)
		assert.Contains(t, errs.String(), "callback boom")
		// Everything so far ran inside the first drain; a timer needs a
		// loop iteration.
		require.NoError(t, Sleep(bg, time.Millisecond))
		st := h.Stats()
		assert.GreaterOrEqual(t, st.CallbacksRun, uint64(4))
		assert.Positive(t, st.Switches)
		assert.Positive(t, st.Iterations)
	})
}

//go:noinline
func panicInCallback() { panic("callback boom") }

// TestCallbackPanicReportCarriesStack: the report of a panicking callback
// is an *Error holding a *PanicError, and its text shows the panicking
// stack, not only the value.
func TestCallbackPanicReportCarriesStack(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		var reported []error
		h.SetErrorHandler(func(err error) { reported = append(reported, err) })
		h.RunCallback(panicInCallback)
		require.NoError(t, Sleep(bg, 0))
		require.Len(t, reported, 1)
		var pe *PanicError
		require.ErrorAs(t, reported[0], &pe)
		assert.Equal(t, "callback boom", pe.Value)
		assert.Contains(t, string(pe.Stack), "panicInCallback")
		assert.Contains(t, reported[0].Error(), "scheduler: callback: panic: callback boom")
		assert.Contains(t, reported[0].Error(), "panicInCallback", "the report's text carries the stack")
	})
}
