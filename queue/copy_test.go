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

// drainStrs takes every item with TryGet.
func drainStrs(t *testing.T, q *queue.Queue[string]) []string {
	t.Helper()
	var out []string
	for q.Len() > 0 {
		v, err := q.TryGet()
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// TestCopyKeepsItemsOrderAndSize: each kind's copy gives the same items in
// the same order as the original, has the same maximum size, and shares
// nothing with it: adding to or taking from one leaves the other as it was.
func TestCopyKeepsItemsOrderAndSize(t *testing.T) {
	byLen := func(a, b string) bool { return len(a) < len(b) }
	kinds := []struct {
		name string
		make func() *queue.Queue[string]
		out  []string // the Gets after Puts of c, aaa, b, dd; nil: ties, any order
	}{
		{"Queue", func() *queue.Queue[string] { return queue.New[string](5) }, []string{"c", "aaa", "b", "dd"}},
		{"LifoQueue", func() *queue.Queue[string] { return queue.NewLifo[string](5) }, []string{"dd", "b", "aaa", "c"}},
		{"PriorityQueue", func() *queue.Queue[string] { return queue.NewPriority[string](5) }, []string{"aaa", "b", "c", "dd"}},
		{"PriorityFunc", func() *queue.Queue[string] { return queue.NewPriorityFunc(5, byLen) }, nil},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			run(t, func() error {
				q := k.make()
				// Put and take six first, so that a FIFO's ring wraps.
				for range 6 {
					require.NoError(t, q.TryPut("x"))
					_, err := q.TryGet()
					require.NoError(t, err)
				}
				for _, v := range []string{"c", "aaa", "b", "dd"} {
					require.NoError(t, q.TryPut(v))
				}
				c, c2 := q.Copy(), q.Copy()
				require.NotNil(t, c)
				assert.Equal(t, 5, c.MaxSize())
				assert.Equal(t, 4, c.Len())
				require.NoError(t, c.TryPut("eeee"))
				assert.True(t, c.Full())
				assert.Equal(t, 4, q.Len(), "the copy's Put is not the original's")

				want := drainStrs(t, q)
				if k.out != nil {
					assert.Equal(t, k.out, want)
				}
				assert.Equal(t, want, drainStrs(t, c2))
				assert.Equal(t, 5, c.Len(), "the original's Gets are not the copy's")
				assert.ElementsMatch(t, append(want, "eeee"), drainStrs(t, c))
				return nil
			})
		})
	}
}

// TestCopyIsNew: a copy has no waiters (a waiting putter's item is not in
// it), is not shut down with its original, keeps a nil less's refusal, and
// binds to the first hub that uses it. The zero queue's copy is an empty
// unbounded queue.
func TestCopyIsNew(t *testing.T) {
	var c *queue.Queue[int]
	run(t, func() error {
		q := queue.New[int](1)
		require.NoError(t, q.TryPut(1))
		put := scheduler.Go(func() error { return q.Put(bg, 2) })
		get := scheduler.Go(func() error { _, err := queue.New[int](0).Get(bg); return err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		c = q.Copy()
		assert.Zero(t, c.Putters())
		assert.Equal(t, 1, c.Len())
		q.Shutdown()
		assert.False(t, c.IsShutdown())
		_, err := scheduler.Wait(bg, []*scheduler.Greenlet[struct{}]{put}, 0)
		require.NoError(t, err)
		require.NoError(t, get.Kill(bg, nil))

		var z queue.Queue[int]
		zc := z.Copy()
		require.NotNil(t, zc)
		assert.Zero(t, zc.MaxSize())
		assert.Zero(t, zc.Len())
		for i := range 20 {
			require.NoError(t, zc.TryPut(i))
		}
		assert.Zero(t, z.Len())

		bad := queue.NewPriorityFunc[int](0, nil).Copy()
		assert.ErrorIs(t, bad.TryPut(1), scheduler.ErrNilArgument)
		return nil
	})
	// The copy was made in the first hub but never used there.
	require.True(t, inGoroutine(func() {
		assert.NoError(t, scheduler.Main(func() error {
			v, err := c.Get(testctx.Within(t, 10*time.Second))
			assert.NoError(t, err)
			assert.Equal(t, 1, v)
			return nil
		}))
	}))
}

// TestCopyRefused: a nil queue's copy, and a copy asked for by a goroutine
// that is not a greenlet of the queue's hub, are nil, and the queue is
// untouched; a hub callback may copy.
func TestCopyRefused(t *testing.T) {
	var nilQ *queue.Queue[int]
	assert.Nil(t, nilQ.Copy())
	var nilJ *queue.JoinableQueue[int]
	assert.Nil(t, nilJ.Copy())
	run(t, func() error {
		q := queue.New[int](2)
		require.NoError(t, q.TryPut(1))
		jq := queue.NewJoinable[int](0)
		require.NoError(t, jq.TryPut(1))
		var c *queue.Queue[int]
		var jc *queue.JoinableQueue[int]
		require.True(t, inGoroutine(func() { c, jc = q.Copy(), jq.Copy() }), "a hub was created")
		assert.Nil(t, c)
		assert.Nil(t, jc)
		assert.Equal(t, 1, q.Len())
		assert.Equal(t, 1, jq.Unfinished())

		got := make(chan *queue.Queue[int], 1)
		scheduler.CurrentHub().RunCallback(func() { got <- q.Copy() })
		require.NoError(t, scheduler.Sleep(bg, 0))
		c = <-got
		require.NotNil(t, c)
		assert.Equal(t, 1, c.Len())
		return nil
	})
}

// TestJoinableCopyCountsItsOwnTasks: a JoinableQueue's copy starts with the
// original's unfinished count (gevent passes unfinished_tasks), which its
// TaskDone and Join then use apart from the original's.
func TestJoinableCopyCountsItsOwnTasks(t *testing.T) {
	run(t, func() error {
		q := queue.NewJoinable[int](3)
		for i := 1; i <= 2; i++ {
			require.NoError(t, q.TryPut(i))
		}
		_, err := q.TryGet()
		require.NoError(t, err)
		c := q.Copy()
		require.NotNil(t, c)
		assert.Equal(t, 3, c.MaxSize())
		assert.Equal(t, 1, c.Len())
		assert.Equal(t, 2, c.Unfinished(), "one got but not done, one in the queue")

		require.NoError(t, c.TaskDone())
		require.NoError(t, c.TaskDone())
		assert.ErrorIs(t, c.TaskDone(), queue.ErrTaskDone)
		require.NoError(t, c.Join(bg))
		assert.Equal(t, 2, q.Unfinished())
		assert.ErrorIs(t, q.Join(testctx.Within(t, time.Millisecond)), scheduler.ErrTimeout)

		require.NoError(t, c.TryPut(9))
		assert.Equal(t, 1, c.Unfinished())
		assert.Equal(t, 1, q.Len())

		var z queue.JoinableQueue[int]
		zc := z.Copy()
		require.NotNil(t, zc)
		assert.Zero(t, zc.Unfinished())
		require.NoError(t, zc.Join(bg))
		return nil
	})
}

// TestJoinableCopyOfDoneItemsCountsThem: a JoinableQueue whose items were
// all marked done without a Get copies with its items unfinished, as
// gevent's copy does (a count of 0 makes its constructor count the items);
// a count that is not 0 is copied as it is, whatever the items.
func TestJoinableCopyOfDoneItemsCountsThem(t *testing.T) {
	run(t, func() error {
		q := queue.NewJoinable[int](0)
		require.NoError(t, q.TryPut(1))
		require.NoError(t, q.TryPut(2))
		require.NoError(t, q.TaskDone())
		require.NoError(t, q.TaskDone())
		require.NoError(t, q.Join(bg))
		c := q.Copy()
		require.NotNil(t, c)
		assert.Equal(t, 2, c.Unfinished())
		assert.ErrorIs(t, c.Join(testctx.Within(t, time.Millisecond)), scheduler.ErrTimeout)
		require.NoError(t, c.TaskDone())
		require.NoError(t, c.TaskDone())
		require.NoError(t, c.Join(bg))
		assert.Zero(t, q.Unfinished(), "the copy's count is not the original's")

		_, err := q.TryGet()
		require.NoError(t, err)
		require.NoError(t, q.TryPut(3))
		assert.Equal(t, 1, q.Unfinished())
		assert.Equal(t, 1, q.Copy().Unfinished(), "a count that is not 0 is copied as it is")
		return nil
	})
}
