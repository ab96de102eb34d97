package faults

import (
	"testing"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKillBlockedInEventWait(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		var e event.Event
		return blockingOp{
			block: func() error { _, err := e.Wait(scheduler.Forever); return err },
			check: func(t *testing.T) {
				assert.Zero(t, e.LinkCount(), "the dead waiter's link was removed")
				e.Set()
				ok, err := e.Wait(scheduler.Forever)
				require.NoError(t, err)
				assert.True(t, ok)
			},
		}
	})
}

func TestKillBlockedInAsyncResultGet(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		var ar event.AsyncResult[int]
		return blockingOp{
			block: func() error { _, err := ar.Get(true, scheduler.Forever); return err },
			check: func(t *testing.T) {
				ar.Set(5)
				v, err := ar.Get(true, scheduler.Forever)
				require.NoError(t, err)
				assert.Equal(t, 5, v)
			},
		}
	})
}

func TestKillBlockedInQueueGet(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		q := queue.NewQueue[int](0)
		return blockingOp{
			block: func() error { _, err := q.Get(true, scheduler.Forever); return err },
			check: func(t *testing.T) {
				assert.Zero(t, q.Getters(), "the dead getter no longer waits")
				// An item put now is not swallowed by the dead getter.
				require.NoError(t, q.Put(9, true, scheduler.Forever))
				require.NoError(t, scheduler.Sleep(0))
				assert.Equal(t, 1, q.Len())
				v, err := q.Get(false, 0)
				require.NoError(t, err)
				assert.Equal(t, 9, v)
			},
		}
	})
}

func TestKillBlockedInQueuePut(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		q := queue.NewQueue[int](1)
		require.NoError(t, q.Put(1, false, 0))
		return blockingOp{
			block: func() error { return q.Put(2, true, scheduler.Forever) },
			check: func(t *testing.T) {
				assert.Zero(t, q.Putters(), "the dead putter no longer waits")
				// Making room must not let the dead putter's item in.
				v, err := q.Get(true, scheduler.Forever)
				require.NoError(t, err)
				assert.Equal(t, 1, v)
				require.NoError(t, scheduler.Sleep(0))
				assert.Zero(t, q.Len(), "the killed Put's item never entered the queue")
			},
		}
	})
}

func TestKillBlockedInChannelGet(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		c := queue.NewChannel[int]()
		return blockingOp{
			block: func() error { _, err := c.Get(true, scheduler.Forever); return err },
			check: func(t *testing.T) {
				assert.Zero(t, c.Balance(), "no getter is counted any more")
				err := c.Put(1, false, 0)
				assert.ErrorIs(t, err, queue.ErrFull, "nobody is left to take the item")
			},
		}
	})
}

func TestKillBlockedInChannelPut(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		c := queue.NewChannel[int]()
		return blockingOp{
			block: func() error { return c.Put(1, true, scheduler.Forever) },
			check: func(t *testing.T) {
				assert.Zero(t, c.Balance(), "no putter is counted any more")
				_, err := c.Get(false, 0)
				assert.ErrorIs(t, err, queue.ErrEmpty, "the killed Put's item is gone")
			},
		}
	})
}

func TestKillBlockedInSemaphoreAcquire(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		s, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		return blockingOp{
			block: func() error { _, err := s.Acquire(true, scheduler.Forever); return err },
			check: func(t *testing.T) {
				assert.Zero(t, s.LinkCount(), "the dead waiter's link was removed")
				// A release now is not handed to the dead waiter.
				_, err := s.Release()
				require.NoError(t, err)
				require.NoError(t, scheduler.Sleep(0))
				assert.Equal(t, 1, s.Counter())
				ok, err := s.Acquire(false, 0)
				require.NoError(t, err)
				assert.True(t, ok)
			},
		}
	})
}

func TestKillBlockedInLockAcquire(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		var l lock.Lock
		ok, err := l.Acquire(true, scheduler.Forever)
		require.NoError(t, err)
		require.True(t, ok)
		return blockingOp{
			block: func() error { _, err := l.Acquire(true, scheduler.Forever); return err },
			check: func(t *testing.T) {
				require.NoError(t, l.Release())
				require.NoError(t, scheduler.Sleep(0))
				assert.False(t, l.Locked(), "the lock was not handed to the dead waiter")
			},
		}
	})
}
