package event_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// TestTeardownSetAfterDestroy: waiters blocked when the hub ends get GreenletExit; Set and
// SetError from a goroutine after the hub is gone neither hang nor panic, and the next hub sees
// the values.
func TestTeardownSetAfterDestroy(t *testing.T) {
	var e event.Event
	var ar event.AsyncResult[int]
	var eErr, arErr error
	require.NoError(t, scheduler.Main(func() error {
		scheduler.Go(func() error { eErr = e.Wait(bg); return nil })
		scheduler.Go(func() error { _, arErr = ar.Get(bg); return nil })
		return scheduler.Sleep(bg, 0)
	}))
	assert.ErrorIs(t, eErr, scheduler.ErrGreenletExit)
	assert.ErrorIs(t, arErr, scheduler.ErrGreenletExit)
	done := make(chan struct{})
	go func() { e.Set(); ar.Set(7); close(done) }()
	<-done
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		require.NoError(t, e.Wait(ctx))
		v, err := ar.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		return nil
	}))
}

// TestTeardownWaitersLeaveNoLink: the waits a hub's Destroy ends take their
// links with them, as any wait that ends early does. Before, their Unlink
// was refused on the destroyed hub: the event kept a link per dead waiter
// (LinkCount said so), and with it the destroyed hub, until a greenlet of
// the next hub used it.
func TestTeardownWaitersLeaveNoLink(t *testing.T) {
	var e event.Event
	var errs [2]error
	require.NoError(t, scheduler.Main(func() error {
		scheduler.Go(func() error { errs[0] = e.Wait(bg); return nil })
		scheduler.Go(func() error { errs[1] = e.Wait(bg); return nil })
		return scheduler.Sleep(bg, 0)
	}))
	for i, err := range errs {
		assert.ErrorIs(t, err, scheduler.ErrGreenletExit, i)
	}
	assert.Zero(t, e.LinkCount())
}
