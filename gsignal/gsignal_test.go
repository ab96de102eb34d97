package gsignal_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHandlerRunsInGreenlet(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		got := make(chan bool, 4)
		h, err := gsignal.Handle(syscall.SIGUSR1, func() {
			got <- scheduler.GetCurrent() != nil
			// A handler may block: it is a greenlet.
			_ = scheduler.Sleep(time.Millisecond)
		})
		require.NoError(t, err)
		defer h.Stop()
		require.NoError(t, gsignal.Self(syscall.SIGUSR1))
		for len(got) == 0 {
			require.NoError(t, scheduler.Sleep(time.Millisecond))
		}
		assert.True(t, <-got)
		return nil
	}))
}

func TestMainShutsDownCleanly(t *testing.T) {
	deferred := []string{}
	err := gsignal.Main(func() error {
		defer func() { deferred = append(deferred, "main body") }()
		scheduler.Go(func() error {
			defer func() { deferred = append(deferred, "worker") }()
			return scheduler.Sleep(time.Hour)
		})
		scheduler.SpawnLater(5*time.Millisecond, func() (struct{}, error) {
			return struct{}{}, gsignal.Self(syscall.SIGTERM)
		})
		return scheduler.Sleep(time.Hour)
	})
	require.ErrorIs(t, err, gsignal.ErrInterrupted)
	var se *gsignal.SignalError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, syscall.SIGTERM, se.Signal)
	assert.ElementsMatch(t, []string{"main body", "worker"}, deferred)
}

func TestMainReturnsBodyResult(t *testing.T) {
	assert.NoError(t, gsignal.Main(func() error { return nil }, syscall.SIGUSR2))
	require.NoError(t, scheduler.Main(func() error {
		_, err := gsignal.Handle(syscall.SIGUSR2, nil)
		assert.Error(t, err)
		return nil
	}))
}
