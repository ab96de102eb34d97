package gsignal_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

func TestHandlerRunsInGreenlet(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var handled event.Event
		inGreenlet := false
		h, err := gsignal.Handle(syscall.SIGUSR1, func() {
			inGreenlet = scheduler.GetCurrent() != nil
			// A handler may block: it is a greenlet.
			_ = scheduler.Sleep(bg, time.Millisecond)
			handled.Set()
		})
		require.NoError(t, err)
		defer func() { assert.NoError(t, h.Stop()) }()
		require.NoError(t, gsignal.Self(syscall.SIGUSR1))
		require.NoError(t, handled.Wait(testctx.Within(t, 5*time.Second)))
		assert.True(t, inGreenlet)
		return nil
	}))
}

func TestMainShutsDownCleanly(t *testing.T) {
	deferred := []string{}
	err := gsignal.Main(func() error {
		defer func() { deferred = append(deferred, "main body") }()
		scheduler.Go(func() error {
			defer func() { deferred = append(deferred, "worker") }()
			return scheduler.Sleep(bg, time.Hour)
		})
		scheduler.SpawnLater(5*time.Millisecond, func() (struct{}, error) {
			return struct{}{}, gsignal.Self(syscall.SIGTERM)
		})
		return scheduler.Sleep(bg, time.Hour)
	})
	require.ErrorIs(t, err, gsignal.ErrInterrupted)
	var se *gsignal.SignalError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, syscall.SIGTERM, se.Signal)
	assert.ElementsMatch(t, []string{"main body", "worker"}, deferred)
}

// A body that answers the first signal with a graceful shutdown of its own is killed again by
// the second one.
func TestMainSecondSignalKillsAgain(t *testing.T) {
	var first, second error
	err := gsignal.Main(func() error {
		require.NoError(t, gsignal.Self(syscall.SIGUSR1))
		first = scheduler.Sleep(bg, time.Hour)
		// The graceful shutdown, which the second signal cuts short.
		require.NoError(t, gsignal.Self(syscall.SIGUSR1))
		second = scheduler.Sleep(bg, time.Hour)
		return second
	}, syscall.SIGUSR1)
	require.ErrorIs(t, err, gsignal.ErrInterrupted)
	assert.ErrorIs(t, first, scheduler.ErrGreenletExit)
	assert.ErrorIs(t, second, scheduler.ErrGreenletExit)
}

func TestMainReturnsBodyResult(t *testing.T) {
	assert.NoError(t, gsignal.Main(func() error { return nil }, syscall.SIGUSR2))
	boom := errors.New("boom")
	assert.ErrorIs(t, gsignal.Main(func() error { return boom }, syscall.SIGUSR2), boom)
}

func TestMainBadInput(t *testing.T) {
	err := gsignal.Main(nil)
	assert.ErrorIs(t, err, scheduler.ErrNilArgument)
	assert.EqualError(t, err, "gsignal: Main: nil argument")
	require.NoError(t, scheduler.Main(func() error {
		assert.ErrorIs(t, gsignal.Main(func() error { return nil }), scheduler.ErrHubExists)
		return nil
	}))
	// A signal that cannot be caught is refused by Handle, and Main reports it as its own error,
	// without running fn.
	ran := false
	err = gsignal.Main(func() error { ran = true; return nil }, syscall.SIGUSR1, syscall.SIGKILL)
	assert.ErrorIs(t, err, cev.ErrInvalid)
	assert.ErrorContains(t, err, "gsignal: Main: ", "named for the call the caller made")
	assert.False(t, ran)
}

func TestHandleBadInput(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		_, err := gsignal.Handle(syscall.SIGUSR2, nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = gsignal.Handle(syscall.SIGKILL, func() {})
		assert.ErrorIs(t, err, cev.ErrInvalid)
		return nil
	}))
	var zero gsignal.Handler
	assert.ErrorIs(t, zero.Stop(), scheduler.ErrNilArgument)
	var nilHandler *gsignal.Handler
	assert.ErrorIs(t, nilHandler.Stop(), scheduler.ErrNilArgument)
}

// Handle from a goroutine without a hub is refused and creates no hub.
func TestHandleWithoutHub(t *testing.T) {
	h, err := gsignal.Handle(syscall.SIGUSR2, func() {})
	assert.Nil(t, h)
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	assert.Nil(t, scheduler.CurrentHub())
}

// Stop from another goroutine is refused and leaves the handler installed; after the hub is
// destroyed Stop reports it.
func TestStopAffinity(t *testing.T) {
	var h *gsignal.Handler
	require.NoError(t, scheduler.Main(func() error {
		var handled event.Event
		var err error
		h, err = gsignal.Handle(syscall.SIGUSR2, handled.Set)
		require.NoError(t, err)
		foreign := make(chan error)
		go func() { foreign <- h.Stop() }()
		assert.ErrorIs(t, <-foreign, scheduler.ErrNotGreenlet)
		require.NoError(t, gsignal.Self(syscall.SIGUSR2))
		require.NoError(t, handled.Wait(testctx.Within(t, 5*time.Second)), "still installed")
		return nil
	}))
	assert.ErrorIs(t, h.Stop(), scheduler.ErrNotGreenlet)
	require.NoError(t, scheduler.Main(func() error {
		// Another hub's greenlet.
		assert.ErrorIs(t, h.Stop(), scheduler.ErrNotGreenlet)
		return nil
	}))
}

// A greenlet's deferred Stop, run by Destroy, reports the destroyed hub (which removed the
// handler already) instead of touching the freed watcher.
func TestStopDuringDestroy(t *testing.T) {
	var stopErr error
	require.NoError(t, scheduler.Main(func() error {
		h, err := gsignal.Handle(syscall.SIGUSR2, func() {})
		require.NoError(t, err)
		scheduler.Go(func() error {
			defer func() { stopErr = h.Stop() }()
			return scheduler.Sleep(bg, time.Hour)
		})
		return scheduler.Sleep(bg, 0) // let it start
	}))
	assert.ErrorIs(t, stopErr, scheduler.ErrHubDestroyed)
}

// A signal the hub notices only after Main's body returned leaves the body's result as it is,
// even when the handler's greenlet runs before Main has seen the body end. The body yields until
// a raw watcher on the same signal says the hub noticed it, and returns in that same drain: the
// handler's greenlet, queued by that notice, runs after the body ended and before Main's join
// wakes up.
func TestMainLateSignalKeepsBodyResult(t *testing.T) {
	boom := errors.New("boom")
	for _, want := range []error{nil, boom} {
		var bodyDone bool
		err := gsignal.Main(func() error {
			noticed := false
			w, err := scheduler.CurrentHub().Loop().NewSignal(syscall.SIGUSR1,
				func(*cev.Signal, int) { noticed = true })
			require.NoError(t, err)
			defer func() { assert.NoError(t, w.Close()) }()
			require.NoError(t, w.Start())
			require.NoError(t, gsignal.Self(syscall.SIGUSR1))
			ctx := testctx.Within(t, 10*time.Second)
			for !noticed {
				if err := scheduler.Sleep(ctx, 0); err != nil {
					return err
				}
			}
			bodyDone = true
			return want
		}, syscall.SIGUSR1)
		require.True(t, bodyDone, "the body was not cut short")
		if want == nil {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, boom)
			assert.NotErrorIs(t, err, gsignal.ErrInterrupted)
		}
	}
}

// A delivery the hub noticed before Stop, whose handler greenlet had not started yet when Stop
// returned, does not call fn after Stop: Handle calls fn until Stop, and gevent's cancel leaves
// no call behind (its watcher switches into the handler's greenlet at once). The body yields
// until a raw watcher on the same signal says the hub noticed it: the handler's greenlet, queued
// by that notice, starts only after the body stops the handler.
func TestStopDropsANoticedDelivery(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		called := false
		h, err := gsignal.Handle(syscall.SIGUSR1, func() { called = true })
		require.NoError(t, err)
		noticed := false
		w, err := scheduler.CurrentHub().Loop().NewSignal(syscall.SIGUSR1,
			func(*cev.Signal, int) { noticed = true })
		require.NoError(t, err)
		defer func() { assert.NoError(t, w.Close()) }()
		require.NoError(t, w.Start())
		require.NoError(t, gsignal.Self(syscall.SIGUSR1))
		for !noticed {
			if err := scheduler.Sleep(ctx, 0); err != nil {
				return err
			}
		}
		require.NoError(t, h.Stop())
		// A greenlet started now runs after the handler's greenlet queued before it.
		require.NoError(t, scheduler.Go(func() error { return nil }).Join(ctx))
		assert.False(t, called, "fn ran after Stop returned")
		return nil
	}))
}

// A signal named twice is one signal: one delivery kills Main's body once, so that a body
// answering the kill with a graceful shutdown is not cut short by the same signal's second
// handler (each further signal kills it again: TestMainSecondSignalKillsAgain).
func TestMainDuplicateSignalKillsOnce(t *testing.T) {
	var first, graceful error
	err := gsignal.Main(func() error {
		require.NoError(t, gsignal.Self(syscall.SIGUSR1))
		first = scheduler.Sleep(testctx.Within(t, 10*time.Second), time.Hour)
		// The graceful shutdown: a yield, where a second kill would land.
		graceful = scheduler.Sleep(bg, 0)
		return nil
	}, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGUSR1)
	require.ErrorIs(t, err, gsignal.ErrInterrupted)
	assert.ErrorIs(t, first, scheduler.ErrGreenletExit)
	assert.NoError(t, graceful, "the one signal killed the body twice")
}

// A handler's greenlet is named after its signal, so the hub's report of a panic in it (and
// RunInfo's live view) says which handler it was; it was "Greenlet-<n>", while Main names its
// body's greenlet.
func TestHandlerGreenletNamedAfterSignal(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var reported event.Event
		var report error
		scheduler.CurrentHub().SetErrorHandler(func(err error) {
			report = err
			reported.Set()
		})
		var name string
		h, err := gsignal.Handle(syscall.SIGUSR1, func() {
			name = scheduler.GetCurrent().Name()
			panic("reload failed")
		})
		require.NoError(t, err)
		defer func() { assert.NoError(t, h.Stop()) }()
		require.NoError(t, gsignal.Self(syscall.SIGUSR1))
		require.NoError(t, reported.Wait(testctx.Within(t, 5*time.Second)))
		const want = "gsignal.Handle user defined signal 1"
		assert.Equal(t, want, name)
		require.Error(t, report)
		assert.Contains(t, report.Error(), want+" failed: panic: reload failed")
		return nil
	}))
}
