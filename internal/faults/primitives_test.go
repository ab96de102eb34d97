package faults

import (
	"context"
	"testing"
	"time"

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
			block: func(ctx context.Context) error { return e.Wait(ctx) },
			check: func(t *testing.T) {
				assert.Zero(t, e.LinkCount(), "the dead waiter's link was removed")
				e.Set()
				require.NoError(t, e.Wait(bg))
			},
		}
	})
}

func TestKillBlockedInAsyncResultGet(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		var ar event.AsyncResult[int]
		return blockingOp{
			block: func(ctx context.Context) error { _, err := ar.Get(ctx); return err },
			check: func(t *testing.T) {
				ar.Set(5)
				v, err := ar.Get(bg)
				require.NoError(t, err)
				assert.Equal(t, 5, v)
			},
		}
	})
}

func TestKillBlockedInQueueGet(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		q := queue.New[int](0)
		return blockingOp{
			block: func(ctx context.Context) error { _, err := q.Get(ctx); return err },
			check: func(t *testing.T) {
				assert.Zero(t, q.Getters(), "the dead getter no longer waits")
				// An item put now is not swallowed by the dead getter.
				require.NoError(t, q.Put(bg, 9))
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.Equal(t, 1, q.Len())
				v, err := q.TryGet()
				require.NoError(t, err)
				assert.Equal(t, 9, v)
			},
		}
	})
}

func TestKillBlockedInQueuePut(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		q := queue.New[int](1)
		require.NoError(t, q.TryPut(1))
		return blockingOp{
			block: func(ctx context.Context) error { return q.Put(ctx, 2) },
			check: func(t *testing.T) {
				assert.Zero(t, q.Putters(), "the dead putter no longer waits")
				// Making room must not let the dead putter's item in.
				v, err := q.Get(bg)
				require.NoError(t, err)
				assert.Equal(t, 1, v)
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.Zero(t, q.Len(), "the killed Put's item never entered the queue")
			},
		}
	})
}

func TestKillBlockedInChannelGet(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		c := queue.NewChannel[int]()
		return blockingOp{
			block: func(ctx context.Context) error { _, err := c.Get(ctx); return err },
			check: func(t *testing.T) {
				assert.Zero(t, c.Balance(), "no getter is counted any more")
				err := c.TryPut(1)
				assert.ErrorIs(t, err, queue.ErrFull, "nobody is left to take the item")
			},
		}
	})
}

func TestKillBlockedInChannelPut(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		c := queue.NewChannel[int]()
		return blockingOp{
			block: func(ctx context.Context) error { return c.Put(ctx, 1) },
			check: func(t *testing.T) {
				assert.Zero(t, c.Balance(), "no putter is counted any more")
				_, err := c.TryGet()
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
			block: func(ctx context.Context) error { return s.Acquire(ctx) },
			check: func(t *testing.T) {
				assert.Zero(t, s.LinkCount(), "the dead waiter's link was removed")
				// A release now is not handed to the dead waiter.
				_, err := s.Release()
				require.NoError(t, err)
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.Equal(t, 1, s.Counter())
				assert.True(t, s.TryAcquire())
			},
		}
	})
}

func TestKillBlockedInLockAcquire(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		var l lock.Lock
		require.NoError(t, l.Acquire(bg))
		return blockingOp{
			block: func(ctx context.Context) error { return l.Acquire(ctx) },
			check: func(t *testing.T) {
				require.NoError(t, l.Release())
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.False(t, l.Locked(), "the lock was not handed to the dead waiter")
			},
		}
	})
}

// foreignCalls starts a greenlet of the hub in each of waiters, then calls
// each waiter from a goroutine that is not a greenlet of the hub: every such
// call must return ErrNotGreenlet (never hang, never steal a wake-up, never
// create a hub for the goroutine), and after wake the hub's own waiters must
// all have been served.
func foreignCalls(t *testing.T, waiters map[string]func() error, wake func()) {
	t.Helper()
	served := map[string]bool{}
	var gs []*scheduler.Greenlet[struct{}]
	for name, w := range waiters {
		gs = append(gs, scheduler.Go(func() error {
			if err := w(); err != nil {
				return err
			}
			served[name] = true
			return nil
		}))
	}
	require.NoError(t, scheduler.Sleep(bg, 0))

	type outcome struct {
		name    string
		err     error
		madeHub bool
	}
	outcomes := make(chan outcome, len(waiters))
	for name, w := range waiters {
		go func() {
			err := w()
			outcomes <- outcome{name, err, scheduler.CurrentHub() != nil}
		}()
	}
	for range waiters {
		select {
		case got := <-outcomes:
			assert.ErrorIs(t, got.err, scheduler.ErrNotGreenlet, "%s from a foreign goroutine", got.name)
			assert.False(t, got.madeHub, "%s created a hub for the foreign goroutine", got.name)
		case <-time.After(5 * time.Second):
			t.Fatal("a blocking call from a foreign goroutine hangs instead of failing")
		}
	}
	wake()
	_, err := scheduler.JoinAll(bg, gs)
	require.NoError(t, err)
	for name := range waiters {
		assert.True(t, served[name], "%s: the hub's waiter was served", name)
	}
}

// TestPrimitivesFromForeignGoroutine: Event, AsyncResult, Semaphore and
// Lock refuse a foreign goroutine's blocking call with ErrNotGreenlet while
// a greenlet of their hub waits on them.
func TestPrimitivesFromForeignGoroutine(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		var e event.Event
		var ar event.AsyncResult[int]
		s, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		var l lock.Lock
		require.True(t, l.TryAcquire())
		foreignCalls(t, map[string]func() error{
			"Event.Wait":        func() error { return e.Wait(bg) },
			"AsyncResult.Get":   func() error { _, err := ar.Get(bg); return err },
			"Semaphore.Acquire": func() error { return s.Acquire(bg) },
			"Lock.Acquire":      func() error { return l.Acquire(bg) },
		}, func() {
			e.Set()
			ar.Set(1)
			_, err := s.Release()
			require.NoError(t, err)
			require.NoError(t, l.Release())
		})
		if l.Locked() {
			require.NoError(t, l.Release())
		}
		assert.Empty(t, r.all())
	})
}

// TestQueueFromForeignGoroutine is the same for Queue and Channel.
func TestQueueFromForeignGoroutine(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		q := queue.New[int](0)
		full := queue.New[int](1)
		require.NoError(t, full.TryPut(0))
		c := queue.NewChannel[int]()
		c2 := queue.NewChannel[int]()
		foreignCalls(t, map[string]func() error{
			"Queue.Get":   func() error { _, err := q.Get(bg); return err },
			"Queue.Put":   func() error { return full.Put(bg, 1) },
			"Channel.Get": func() error { _, err := c.Get(bg); return err },
			"Channel.Put": func() error { return c2.Put(bg, 1) },
		}, func() {
			require.NoError(t, q.Put(bg, 1))
			_, err := full.Get(bg)
			require.NoError(t, err)
			require.NoError(t, c.Put(bg, 1))
			_, err = c2.Get(bg)
			require.NoError(t, err)
		})
		assert.Empty(t, r.all())
	})
}
