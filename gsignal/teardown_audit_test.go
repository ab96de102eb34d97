package gsignal_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// TestTeardownHandlerThenNewHub: a hub destroyed with a handler installed and a handler greenlet
// still blocked removes the handler (its os/signal relay ends: goleak) and unwinds the greenlet
// with GreenletExit; a Stop from its defer says ErrHubDestroyed; a second hub on the same
// goroutine handles the same signal.
func TestTeardownHandlerThenNewHub(t *testing.T) {
	var inHandler event.Event
	var handlerErr, stopErr error
	var h *gsignal.Handler
	require.NoError(t, scheduler.Main(func() error {
		var err error
		h, err = gsignal.Handle(syscall.SIGUSR2, func() {
			defer func() { stopErr = h.Stop() }()
			inHandler.Set()
			handlerErr = scheduler.Sleep(bg, time.Hour)
		})
		require.NoError(t, err)
		require.NoError(t, gsignal.Self(syscall.SIGUSR2))
		return inHandler.Wait(testctx.Within(t, 10*time.Second))
	}))
	assert.ErrorIs(t, handlerErr, scheduler.ErrGreenletExit)
	assert.ErrorIs(t, stopErr, scheduler.ErrHubDestroyed)
	// From the goroutine, after Destroy: not a greenlet of the handler's hub (TestStopAffinity).
	assert.ErrorIs(t, h.Stop(), scheduler.ErrNotGreenlet)

	for range 2 {
		require.NoError(t, scheduler.Main(func() error {
			var got event.Event
			h2, err := gsignal.Handle(syscall.SIGUSR2, got.Set)
			require.NoError(t, err)
			require.NoError(t, gsignal.Self(syscall.SIGUSR2))
			require.NoError(t, got.Wait(testctx.Within(t, 10*time.Second)))
			return h2.Stop()
		}))
	}
}

// TestTeardownMainThenMain: gsignal.Main ended by a signal leaves nothing installed: a second
// gsignal.Main on the same goroutine is ended by the same signal again.
func TestTeardownMainThenMain(t *testing.T) {
	for range 2 {
		err := gsignal.Main(func() error {
			require.NoError(t, gsignal.Self(syscall.SIGUSR1))
			return scheduler.Sleep(testctx.Within(t, 10*time.Second), time.Hour)
		}, syscall.SIGUSR1)
		assert.ErrorIs(t, err, gsignal.ErrInterrupted)
	}
}
