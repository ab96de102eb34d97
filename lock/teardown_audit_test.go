package lock_test

import (
	"runtime"
	"sync/atomic"
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

// TestTeardownHandoverWaitsForDestroy: while hub A's Destroy runs a dying greenlet's deferred
// Release, a greenlet of hub B on another goroutine takes the same Lock up. B must get the Lock
// only after A's defers are done with it: before, B rebound it as soon as A's Destroy started,
// found it still held (TryAcquire false) and raced A's Release on its counter. The defer waits
// until B's TryAcquire returned or 200 ms passed; a TryAcquire that waits for the Destroy (the
// fix) never returns within it.
func TestTeardownHandoverWaitsForDestroy(t *testing.T) {
	var l lock.Lock
	inDestroy := make(chan struct{})
	var bTried atomic.Bool
	var bGot bool
	bDone := make(chan error, 1)
	go func() {
		<-inDestroy
		bDone <- scheduler.Main(func() error {
			bGot = l.TryAcquire()
			bTried.Store(true)
			if bGot {
				return l.Release()
			}
			return nil
		})
	}()
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		scheduler.Go(func() error {
			require.NoError(t, l.Acquire(ctx))
			defer func() {
				close(inDestroy)
				limit := time.Now().Add(200 * time.Millisecond)
				for !bTried.Load() && time.Now().Before(limit) {
					runtime.Gosched()
				}
				assert.NoError(t, l.Release(), "Release in a defer run by Destroy")
			}()
			return scheduler.Sleep(bg, time.Hour)
		})
		return scheduler.Sleep(bg, 0)
	}))
	select {
	case err := <-bDone:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("hub B never got past the Lock")
	}
	assert.True(t, bGot, "hub B found the Lock still held by the dying greenlet of hub A")
}

// TestTeardownWaitersLeaveNoLink: the Acquire and Wait calls a hub's Destroy
// ends leave no link behind, as the package doc promises of any wait that
// ends early. Before, the semaphore kept a link per dead waiter (and with it
// the destroyed hub) until a greenlet of the next hub used it.
func TestTeardownWaitersLeaveNoLink(t *testing.T) {
	var sem lock.Semaphore
	var errs [2]error
	require.NoError(t, scheduler.Main(func() error {
		require.True(t, sem.TryAcquire())
		scheduler.Go(func() error { errs[0] = sem.Acquire(bg); return nil })
		scheduler.Go(func() error { _, errs[1] = sem.Wait(bg); return nil })
		return scheduler.Sleep(bg, 0)
	}))
	for i, err := range errs {
		assert.ErrorIs(t, err, scheduler.ErrGreenletExit, i)
	}
	assert.Zero(t, sem.LinkCount())
}
