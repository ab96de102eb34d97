package lock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

// TestTeardownHeldLockNextHub: a greenlet holding a Lock, an RLock and a Semaphore, which it
// releases in a defer, is unwound by the hub's Destroy while another greenlet waits for the
// Lock: both waits end with GreenletExit, the deferred releases release, and the three are free
// for the next hub (before, the releases failed with ErrHubDestroyed and the next hub's Acquire
// waited for ever).
func TestTeardownHeldLockNextHub(t *testing.T) {
	var l lock.Lock
	var rl lock.RLock
	var sem lock.Semaphore
	var holderErr, waiterErr, relErr, rrelErr, srelErr error
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		scheduler.Go(func() error {
			require.NoError(t, l.Acquire(ctx))
			require.NoError(t, rl.Acquire(ctx))
			require.NoError(t, sem.Acquire(ctx))
			defer func() { relErr, rrelErr = l.Release(), rl.Release(); _, srelErr = sem.Release() }()
			holderErr = scheduler.Sleep(bg, time.Hour)
			return nil
		})
		scheduler.Go(func() error {
			waiterErr = l.Acquire(bg)
			return nil
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		return nil
	}))
	assert.ErrorIs(t, holderErr, scheduler.ErrGreenletExit)
	assert.ErrorIs(t, waiterErr, scheduler.ErrGreenletExit)
	assert.NoError(t, relErr, "Lock.Release in a defer run by Destroy")
	assert.NoError(t, rrelErr, "RLock.Release in a defer run by Destroy")
	assert.NoError(t, srelErr, "Semaphore.Release in a defer run by Destroy")
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		require.NoError(t, l.Acquire(ctx), "Lock")
		require.NoError(t, l.Release())
		require.NoError(t, rl.Acquire(ctx), "RLock")
		require.NoError(t, rl.Release())
		require.NoError(t, sem.Acquire(ctx), "Semaphore")
		_, err := sem.Release()
		return err
	}))
}
