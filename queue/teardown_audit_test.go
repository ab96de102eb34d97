package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// TestTeardownQueueNextHub: a getter and a putter blocked when the hub ends get GreenletExit
// (the putter's item is not put); Shutdown from a goroutine after the hub is gone returns, and the
// next hub gets the items left, then ErrShutdown.
func TestTeardownQueueNextHub(t *testing.T) {
	var empty queue.Queue[int]
	full := queue.New[int](1)
	var getErr, putErr error
	require.NoError(t, scheduler.Main(func() error {
		require.NoError(t, full.Put(bg, 1))
		scheduler.Go(func() error { _, getErr = empty.Get(bg); return nil })
		scheduler.Go(func() error { putErr = full.Put(bg, 2); return nil })
		return scheduler.Sleep(bg, 0)
	}))
	assert.ErrorIs(t, getErr, scheduler.ErrGreenletExit)
	assert.ErrorIs(t, putErr, scheduler.ErrGreenletExit)
	done := make(chan struct{})
	go func() { full.Shutdown(); empty.Shutdown(); close(done) }()
	<-done
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		v, err := full.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		_, err = full.Get(ctx)
		assert.ErrorIs(t, err, queue.ErrShutdown)
		_, err = empty.Get(ctx)
		assert.ErrorIs(t, err, queue.ErrShutdown)
		return nil
	}))
}
