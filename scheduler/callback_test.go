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
		cb, err := h.RunCallback(func() { trace = append(trace, 99) })
		require.NoError(t, err)
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

// onGoroutine runs fn on a plain goroutine and waits for it.
func onGoroutine(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// RunCallback and KeepAlive are hub-affine: from a plain goroutine, a
// greenlet of another hub or after Destroy they return their error, queue
// nothing and count nothing. Run under -race too: before the check, the
// foreign calls wrote the hub's queue and refcount unsynchronised.
func TestRunCallbackAndKeepAliveRefuseForeignCallers(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	ran := false
	mark := func() { ran = true }
	refused := func(t *testing.T, call string, errs [2]error, sentinel error) {
		t.Helper()
		for i, op := range []string{"Hub.RunCallback", "Hub.KeepAlive"} {
			require.ErrorIs(t, errs[i], sentinel, call)
			assert.Contains(t, errs[i].Error(), "scheduler: "+op+": ", call)
		}
	}
	// try makes both calls and returns their errors; a KeepAlive that
	// was granted anyway is released at once, as the release of a refused
	// one must do nothing.
	try := func(on *Hub) (errs [2]error, cb Callback, pending int) {
		before := on.cbs.len()
		cb, errs[0] = on.RunCallback(mark)
		pending = on.cbs.len() - before
		release, kerr := on.KeepAlive()
		errs[1] = kerr
		if assert.NotNil(t, release) {
			release()
		}
		return errs, cb, pending
	}

	var errs [2]error
	var cb Callback
	var queued, keep int
	onGoroutine(func() {
		keep = h.keepAlive
		errs, cb, queued = try(h)
	})
	refused(t, "plain goroutine", errs, ErrNotGreenlet)
	assert.Zero(t, queued, "a refused RunCallback queues nothing")
	assert.Zero(t, h.cbs.len())
	assert.Zero(t, keep)
	assert.Zero(t, h.keepAlive, "a refused KeepAlive counts nothing")
	assert.False(t, cb.Pending())

	var mainErr error
	onGoroutine(func() {
		mainErr = Main(func() error {
			errs, _, queued = try(h)
			return nil
		})
	})
	require.NoError(t, mainErr)
	refused(t, "another hub's greenlet", errs, ErrNotGreenlet)
	assert.Zero(t, queued)
	assert.Zero(t, h.keepAlive)

	// Nil arguments and the zero Hub, as Post.
	_, err = h.RunCallback(nil)
	assert.ErrorIs(t, err, ErrNilArgument)
	var nilHub *Hub
	_, err = nilHub.RunCallback(mark)
	assert.ErrorIs(t, err, ErrNilArgument)
	release, err := nilHub.KeepAlive()
	assert.ErrorIs(t, err, ErrNilArgument)
	release()
	_, err = (&Hub{}).RunCallback(mark)
	assert.ErrorIs(t, err, ErrNotGreenlet)
	_, err = (&Hub{}).KeepAlive()
	assert.ErrorIs(t, err, ErrNotGreenlet)

	// From the hub's own greenlets both still work; release is idempotent.
	release, err = h.KeepAlive()
	require.NoError(t, err)
	assert.Equal(t, 1, h.keepAlive)
	release()
	release()
	assert.Zero(t, h.keepAlive)
	_, err = h.RunCallback(mark)
	require.NoError(t, err)
	require.NoError(t, Sleep(bg, 0))
	assert.True(t, ran)

	require.NoError(t, h.Destroy())
	ran = false
	errs, _, queued = try(h)
	refused(t, "after Destroy", errs, ErrHubDestroyed)
	assert.Zero(t, queued)
	onGoroutine(func() { errs, _, _ = try(h) })
	refused(t, "a plain goroutine after Destroy", errs, ErrHubDestroyed)
	assert.False(t, ran)
}

// Callback.Stop and Pending are hub-affine: from a plain goroutine Stop
// does nothing and Pending is false, and the callback still runs.
func TestCallbackStopAndPendingForeign(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ran := false
		cb, err := h.RunCallback(func() { ran = true })
		require.NoError(t, err)
		var pending bool
		onGoroutine(func() {
			pending = cb.Pending()
			cb.Stop()
		})
		assert.False(t, pending)
		assert.True(t, cb.Pending(), "a foreign Stop stops nothing")
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, ran)
		assert.False(t, cb.Pending())
		assert.False(t, Callback{}.Pending())
		Callback{}.Stop()
	})
}

// KeepAlive's release may come from a plain goroutine (the end of the work
// the greenlet waits for): it is posted to the hub instead of writing the
// hub's refcount and the loop's from the wrong thread. Before, the count
// dropped at once, unsynchronised (the race detector's report under -race).
func TestKeepAliveReleasedFromAGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		release, err := h.KeepAlive()
		require.NoError(t, err)
		onGoroutine(func() {
			release()
			release()
		})
		assert.Equal(t, 1, h.keepAlive, "a foreign release is the hub's to apply")
		_, err = NewWaiter("nothing").Get(bg) // the posted release runs; then nothing is left
		require.ErrorIs(t, err, ErrLoopExit)
		assert.Zero(t, h.keepAlive)
		release() // idempotent on the hub too
		assert.Zero(t, h.keepAlive)
	})
}

// Stats and IdleWorkers read what only the hub writes: from a plain
// goroutine they are zero, not a read racing the hub (before, under -race, a data
// race; without -race, whatever the counters held).
func TestStatsForeignIsZero(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		require.NoError(t, Sleep(bg, 0))
		require.NotZero(t, h.Stats().Switches, "the hub's own view")
		g := Go(func() error { return nil })
		require.NoError(t, g.Join(bg))
		require.NotZero(t, h.IdleWorkers(), "the finished greenlet's coroutine is kept")
		var foreign Stats
		idle := -1
		onGoroutine(func() { foreign, idle = h.Stats(), h.IdleWorkers() })
		assert.Zero(t, foreign)
		assert.Zero(t, idle)
	})
}
