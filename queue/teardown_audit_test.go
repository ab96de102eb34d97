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

// TestTeardownQueuedHandOffNextHub: a hub that ends with a Queue's or a
// Channel's hand-off callback still queued (a Put made for a waiting getter
// just before main returned) never runs it; the next hub that uses them
// queues its own. Before, the queue and the channel still counted the
// dropped callback as pending and queued none: on the next hub a getter
// waited for a Put's item, and a Put for a waiting getter, until their
// contexts ended.
func TestTeardownQueuedHandOffNextHub(t *testing.T) {
	var q queue.Queue[int]
	var c queue.Channel[int]
	require.NoError(t, scheduler.Main(func() error {
		scheduler.Go(func() error { _, err := q.Get(bg); return err })
		scheduler.Go(func() error { _, err := c.Get(bg); return err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		// The putter starts and queues the hand-off behind main's wake-up.
		scheduler.Go(func() error { return c.Put(bg, 1) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 1, c.Putters())
		require.NoError(t, q.Put(bg, 1))
		return nil // the hub ends with both hand-offs queued
	}))
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 5*time.Second)
		v, err := q.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, v, "the item the dropped hand-off was for")
		g := scheduler.Go(func() error {
			v, err := q.Get(ctx)
			assert.Equal(t, 2, v)
			return err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, q.Put(ctx, 2))
		require.NoError(t, g.Join(ctx))

		g = scheduler.Go(func() error {
			v, err := c.Get(ctx)
			assert.Equal(t, 3, v)
			return err
		})
		require.NoError(t, c.Put(ctx, 3))
		require.NoError(t, g.Join(ctx))
		assert.Zero(t, q.Getters()+c.Getters()+c.Putters())
		return nil
	}))
}
