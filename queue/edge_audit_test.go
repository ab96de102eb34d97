package queue_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// TestShutdownRightAfterPutKeepsItems: a consumer ranging over All waits
// for an item; the producer puts two and shuts the queue down without
// yielding in between (before, the waiting getter got ErrShutdown while both
// items were still in the queue, and All ended cleanly without them). The
// consumer now gets both, then the clean end; so does one shut down from a
// goroutine (the wake-up then comes from a hub callback).
func TestShutdownRightAfterPutKeepsItems(t *testing.T) {
	for _, foreign := range []bool{false, true} {
		run(t, func() error {
			q := queue.New[int](0)
			var d drain
			consumer := scheduler.Go(func() error { return d.run(q.All(bg)) })
			require.NoError(t, scheduler.Sleep(bg, 0))
			require.Equal(t, 1, q.Getters())
			require.NoError(t, q.Put(bg, 1))
			require.NoError(t, q.Put(bg, 2))
			if foreign {
				require.True(t, inGoroutine(q.Shutdown))
			} else {
				q.Shutdown()
			}
			require.NoError(t, consumer.Join(bg))
			assert.Equal(t, []int{1, 2}, d.items, "foreign=%v", foreign)
			assert.Empty(t, d.errs)
			assert.True(t, d.after)
			assert.Zero(t, q.Len())
			return nil
		})
	}
}

// TestShutdownWakesGettersInTurn: three getters and a peeker wait, one item
// is put and the queue is shut down at once. The peeker sees the item, the
// first getter takes it, and the other two get ErrShutdown; nothing is left.
func TestShutdownWakesGettersInTurn(t *testing.T) {
	run(t, func() error {
		q := queue.New[string](0)
		peek := scheduler.Spawn(func() (string, error) { return q.Peek(bg) })
		var gets []*scheduler.Greenlet[string]
		for range 3 {
			gets = append(gets, scheduler.Spawn(func() (string, error) { return q.Get(bg) }))
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 4, q.Getters())
		require.NoError(t, q.TryPut("x"))
		q.Shutdown()
		v, err := peek.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "x", v)
		v, err = gets[0].Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "x", v)
		for _, g := range gets[1:] {
			_, err := g.Get(bg)
			assert.ErrorIs(t, err, queue.ErrShutdown)
			var qe *queue.Error
			require.ErrorAs(t, err, &qe)
			assert.Equal(t, "Queue.Get", qe.Op)
		}
		assert.Zero(t, q.Len())
		return nil
	})
}

// TestForeignJoinableTryPutTouchesNothing: a foreign goroutine's TryPut on
// a zero JoinableQueue, while the hub makes its first Put, is refused
// before it creates the task count (before, it created one of its own,
// racing with the hub's: the race detector flagged it, and the hub's count
// could be replaced, losing its unfinished tasks).
func TestForeignJoinableTryPutTouchesNothing(t *testing.T) {
	for range 20 {
		var q queue.JoinableQueue[int]
		run(t, func() error {
			errc := make(chan error, 2)
			go func() { errc <- q.TryPut(1); errc <- q.Put(bg, 1) }()
			require.NoError(t, q.TryPut(2))
			for range 2 {
				assert.ErrorIs(t, <-errc, scheduler.ErrNotGreenlet)
			}
			assert.Equal(t, 1, q.Unfinished())
			assert.Equal(t, 1, q.Len())
			return nil
		})
	}
}
