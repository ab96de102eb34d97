package queue_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// spawnPutters starts one greenlet per item, each waiting in Put on q, and
// returns them with the record of the Puts that returned, in order.
func spawnPutters(q *queue.Queue[int], items ...int) ([]*scheduler.Greenlet[struct{}], *[]int) {
	done := &[]int{}
	gs := make([]*scheduler.Greenlet[struct{}], len(items))
	for i, v := range items {
		gs[i] = scheduler.Go(func() error {
			if err := q.Put(bg, v); err != nil {
				return err
			}
			*done = append(*done, v)
			return nil
		})
	}
	return gs, done
}

// drainAll takes every item with TryGet.
func drainAll(t *testing.T, q *queue.Queue[int]) []int {
	t.Helper()
	var out []int
	for q.Len() > 0 {
		v, err := q.TryGet()
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// TestSetMaxSizeGrowReleasesPuttersInOrder: growing the maximum size lets
// the greenlets waiting in Put in at the next switch to the hub, as many as
// fit, in the order they came, for every kind of queue; making it unbounded
// lets the rest in. The items are then in the queue in its own order.
func TestSetMaxSizeGrowReleasesPuttersInOrder(t *testing.T) {
	kinds := []struct {
		name string
		make func() *queue.Queue[int]
		out  []int // what Gets give after 0 and the putters' 3, 1, 2
	}{
		{"Queue", func() *queue.Queue[int] { return queue.New[int](1) }, []int{0, 3, 1, 2}},
		{"LifoQueue", func() *queue.Queue[int] { return queue.NewLifo[int](1) }, []int{2, 1, 3, 0}},
		{"PriorityQueue", func() *queue.Queue[int] { return queue.NewPriority[int](1) }, []int{0, 1, 2, 3}},
		{"JoinableQueue", func() *queue.Queue[int] { return &queue.NewJoinable[int](1).Queue }, []int{0, 3, 1, 2}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			run(t, func() error {
				q := k.make()
				require.NoError(t, q.TryPut(0))
				gs, done := spawnPutters(q, 3, 1, 2)
				require.NoError(t, scheduler.Sleep(bg, 0))
				require.Equal(t, 3, q.Putters())

				require.NoError(t, q.SetMaxSize(3))
				assert.Equal(t, 3, q.MaxSize())
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.Equal(t, []int{3, 1}, *done, "two fit, the first two in")
				assert.Equal(t, 1, q.Putters())
				assert.Equal(t, 3, q.Len())
				assert.True(t, q.Full())

				require.NoError(t, q.SetMaxSize(0))
				assert.Zero(t, q.MaxSize())
				assert.False(t, q.Full())
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.Equal(t, []int{3, 1, 2}, *done)
				_, err := scheduler.JoinAll(bg, gs)
				require.NoError(t, err)
				assert.Equal(t, k.out, drainAll(t, q))
				return nil
			})
		})
	}
}

// TestSetMaxSizeNegativeIsUnbounded: n <= 0 is unbounded, as in New.
func TestSetMaxSizeNegativeIsUnbounded(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](1)
		require.NoError(t, q.TryPut(0))
		require.NoError(t, q.SetMaxSize(-5))
		assert.Zero(t, q.MaxSize())
		for i := range 10 {
			require.NoError(t, q.TryPut(i))
		}
		return nil
	})
}

// TestSetMaxSizeShrinkKeepsItems: a size below Len keeps every item; Put
// waits until Gets bring the queue under the new size, and then its item
// goes in.
func TestSetMaxSizeShrinkKeepsItems(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](3)
		for i := 1; i <= 3; i++ {
			require.NoError(t, q.TryPut(i))
		}
		require.NoError(t, q.SetMaxSize(1))
		assert.Equal(t, 1, q.MaxSize())
		assert.Equal(t, 3, q.Len())
		assert.True(t, q.Full())
		assert.ErrorIs(t, q.TryPut(9), queue.ErrFull)

		_, done := spawnPutters(q, 4)
		for want := 1; want <= 2; want++ {
			v, err := q.TryGet()
			require.NoError(t, err)
			assert.Equal(t, want, v)
			require.NoError(t, scheduler.Sleep(bg, 0))
			assert.Equal(t, 1, q.Putters(), "still %d items, at most 1", q.Len())
			assert.Empty(t, *done)
		}
		v, err := q.TryGet()
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []int{4}, *done)
		assert.Equal(t, []int{4}, drainAll(t, q))
		return nil
	})
}

// TestSetMaxSizeSkipsKilledPutter: a putter killed while it waits leaves
// the line; growing the size lets the others in, in order, without its
// item.
func TestSetMaxSizeSkipsKilledPutter(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](1)
		require.NoError(t, q.TryPut(0))
		gs, done := spawnPutters(q, 1, 2, 3)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, gs[1].Kill(bg, nil))
		require.True(t, gs[1].Ready())
		assert.Equal(t, 2, q.Putters())

		require.NoError(t, q.SetMaxSize(10))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []int{1, 3}, *done)
		assert.Zero(t, q.Putters())
		assert.Equal(t, []int{0, 1, 3}, drainAll(t, q))
		return nil
	})
}

// TestSetMaxSizeJoinable: the putters a JoinableQueue's SetMaxSize lets in
// count as unfinished tasks.
func TestSetMaxSizeJoinable(t *testing.T) {
	run(t, func() error {
		q := queue.NewJoinable[int](1)
		require.NoError(t, q.TryPut(0))
		_, done := spawnPutters(&q.Queue, 1, 2)
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, 1, q.Unfinished())
		require.NoError(t, q.SetMaxSize(0))
		assert.Zero(t, q.MaxSize())
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []int{1, 2}, *done)
		assert.Equal(t, 3, q.Unfinished())
		return nil
	})
}

// TestSetMaxSizeRefused: a nil queue is ErrNilArgument; a goroutine that is
// not a greenlet of the queue's hub gets ErrNotGreenlet and changes nothing
// (no size, no putter let in, no hub created); a hub callback may set the
// size, which lets the putters in.
func TestSetMaxSizeRefused(t *testing.T) {
	run(t, func() error {
		var nilQ *queue.Queue[int]
		assert.ErrorIs(t, nilQ.SetMaxSize(1), scheduler.ErrNilArgument)
		var nilJ *queue.JoinableQueue[int]
		assert.ErrorIs(t, nilJ.SetMaxSize(1), scheduler.ErrNilArgument)

		q := queue.New[int](1)
		require.NoError(t, q.TryPut(0))
		jq := queue.NewJoinable[int](1)
		require.NoError(t, jq.TryPut(0))
		_, done := spawnPutters(q, 1)
		require.NoError(t, scheduler.Sleep(bg, 0))
		var err, jerr error
		require.True(t, inGoroutine(func() { err, jerr = q.SetMaxSize(0), jq.SetMaxSize(0) }), "a hub was created")
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		var qe *queue.Error
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, "Queue.SetMaxSize", qe.Op)
		assert.ErrorIs(t, jerr, scheduler.ErrNotGreenlet)
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, 1, q.MaxSize())
		assert.Equal(t, 1, jq.MaxSize())
		assert.Equal(t, 1, q.Putters())
		assert.Empty(t, *done)

		cb := make(chan error, 1)
		scheduler.CurrentHub().RunCallback(func() { cb <- q.SetMaxSize(2) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, <-cb)
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []int{1}, *done)
		return nil
	})
}

// TestMaxSizeReadFromGoroutine: MaxSize stays goroutine-safe while the hub
// changes the size (the race detector checks).
func TestMaxSizeReadFromGoroutine(t *testing.T) {
	q := queue.New[int](1)
	stop := make(chan struct{})
	seen := make(chan []int)
	go func() {
		var bad []int
		for {
			select {
			case <-stop:
				seen <- bad
				return
			default:
				if n := q.MaxSize(); n < 0 || n >= 100 {
					bad = append(bad, n)
				}
				runtime.Gosched()
			}
		}
	}()
	run(t, func() error {
		for i := range 100 {
			require.NoError(t, q.SetMaxSize(i))
		}
		return nil
	})
	close(stop)
	assert.Empty(t, <-seen)
	assert.Equal(t, 99, q.MaxSize())
}
