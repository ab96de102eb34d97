package queue_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

var errBoom = errors.New("boom")

// touchy orders ints and, while armed, panics with errBoom once when it is
// asked to compare bad.
type touchy struct {
	bad   int
	armed bool
	calls int // comparisons made, panicking or not
}

func (c *touchy) less(a, b int) bool {
	c.calls++
	if c.armed && (a == c.bad || b == c.bad) {
		c.armed = false
		panic(errBoom)
	}
	return a < b
}

// recordReports makes the current hub record what it reports instead of
// printing it.
func recordReports() *[]error {
	var reports []error
	scheduler.CurrentHub().SetErrorHandler(func(err error) { reports = append(reports, err) })
	return &reports
}

// catch runs fn and returns what it panicked with.
func catch(fn func()) (r any) {
	defer func() { r = recover() }()
	fn()
	return nil
}

// drainPriority takes every item left with TryGet, with less disarmed.
func drainPriority(t *testing.T, c *touchy, q *queue.Queue[int]) []int {
	t.Helper()
	c.armed = false
	var got []int
	for q.Len() > 0 {
		v, err := q.TryGet()
		require.NoError(t, err)
		got = append(got, v)
	}
	return got
}

// TestLessPanicWakesWaitingPutter: a full priority queue has two putters
// waiting; a Get makes room and the hub callback that moves the first
// putter's item in runs less, which panics. Before, the panic escaped into
// the hub (which reported it and went on), the first putter was never woken,
// the second was never moved in either, and the first's item sat in the
// heap while its Put never returned. Now the first Put returns an error
// matching ErrLessPanic (and the panic value, through a
// *scheduler.PanicError), its item is not in the queue, the second putter's
// item goes in and its Put returns nil, and the hub reports nothing.
func TestLessPanicWakesWaitingPutter(t *testing.T) {
	run(t, func() error {
		reports := recordReports()
		c := &touchy{bad: 3}
		q := queue.NewPriorityFunc(2, c.less)
		require.NoError(t, q.TryPut(1))
		require.NoError(t, q.TryPut(2))
		// The greenlets keep their Put's error to themselves: one they
		// returned would be reported as their failure.
		var firstErr, secondErr error
		first := scheduler.Go(func() error { firstErr = q.Put(bg, 3); return nil })
		second := scheduler.Go(func() error { secondErr = q.Put(bg, 4); return nil })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 2, q.Putters())
		c.armed = true
		v, err := q.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		require.NoError(t, first.Join(bg), "the first putter is woken")
		require.NoError(t, second.Join(bg), "the second putter is woken")

		err = firstErr
		require.ErrorIs(t, err, queue.ErrLessPanic)
		assert.ErrorIs(t, err, errBoom, "the panic value, an error, is in the chain")
		var qe *queue.Error
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, "Queue.Put", qe.Op)
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, errBoom, pe.Value)
		assert.NotEmpty(t, pe.Stack)
		assert.NoError(t, secondErr)

		assert.Zero(t, q.Putters())
		assert.Equal(t, []int{2, 4}, drainPriority(t, c, q), "3 was not put, 4 was")
		assert.Empty(t, *reports, "the panic went to the putter, not to the hub")
		return nil
	})
}

// TestLessPanicInPutLeavesQueueAsItWas: Put and TryPut whose less panics
// (one of them while a getter waits for the item a Put stored just before)
// panic in the caller, as container/heap would, with the queue as it was.
// Before, the item was already appended to the heap: it was in the queue
// though the call that put it panicked, out of heap order. The waiting
// getter is not disturbed: it gets the item already there.
func TestLessPanicInPutLeavesQueueAsItWas(t *testing.T) {
	run(t, func() error {
		c := &touchy{bad: 9}
		q := queue.NewPriorityFunc(0, c.less)
		getter := scheduler.Spawn(func() (int, error) { return q.Get(bg) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 1, q.Getters())
		require.NoError(t, q.TryPut(5))
		c.armed = true
		assert.Equal(t, errBoom, catch(func() { _ = q.Put(bg, 9) }))
		assert.Equal(t, 1, q.Len())
		v, err := getter.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 5, v)

		for _, v := range []int{4, 6, 8, 2} {
			require.NoError(t, q.TryPut(v))
		}
		c.armed = true
		assert.Equal(t, errBoom, catch(func() { _ = q.TryPut(9) }))
		assert.Equal(t, []int{2, 4, 6, 8}, drainPriority(t, c, q))
		return nil
	})
}

// TestLessPanicInGetLeavesQueueAsItWas: a Get whose less panics while it
// restores the heap order panics in the caller and leaves every item in
// the queue, the one it was taking included (before, that item was lost),
// and a putter waiting on the full queue keeps waiting until a Get that
// succeeds makes room.
func TestLessPanicInGetLeavesQueueAsItWas(t *testing.T) {
	run(t, func() error {
		c := &touchy{bad: 2}
		q := queue.NewPriorityFunc(3, c.less)
		for _, v := range []int{1, 2, 5} {
			require.NoError(t, q.TryPut(v))
		}
		putter := scheduler.Go(func() error { return q.Put(bg, 3) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 1, q.Putters())

		c.armed = true
		assert.Equal(t, errBoom, catch(func() { _, _ = q.Get(bg) }))
		assert.Equal(t, 3, q.Len(), "nothing was taken")
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, 1, q.Putters(), "no room was made")

		c.armed = true
		assert.Equal(t, errBoom, catch(func() { _, _ = q.TryGet() }))
		assert.Equal(t, 3, q.Len(), "nothing was taken")

		v, err := q.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		require.NoError(t, putter.Join(bg))
		require.NoError(t, putter.Err())
		assert.Equal(t, []int{2, 3, 5}, drainPriority(t, c, q))
		return nil
	})
}

// TestLessPanicInWokenGetter: getters wait on an empty priority queue and
// three items are put at once; the first getter woken panics in less as it
// takes its item, and so does its greenlet (its Get ran less). Before, the
// item it was taking was lost. Now the next getter is still woken and gets
// that item, and the others stay. The same holds when a Shutdown, not the
// Put's callback, wakes the getters.
func TestLessPanicInWokenGetter(t *testing.T) {
	for _, shutdown := range []bool{false, true} {
		run(t, func() error {
			reports := recordReports()
			c := &touchy{bad: 2}
			q := queue.NewPriorityFunc(0, c.less)
			first := scheduler.Spawn(func() (int, error) { return q.Get(bg) })
			second := scheduler.Spawn(func() (int, error) { return q.Get(bg) })
			require.NoError(t, scheduler.Sleep(bg, 0))
			require.Equal(t, 2, q.Getters())
			for _, v := range []int{1, 2, 3} {
				require.NoError(t, q.TryPut(v))
			}
			c.armed = true
			if shutdown {
				q.Shutdown()
			}
			v, err := second.Get(bg)
			require.NoError(t, err, "shutdown=%v", shutdown)
			assert.Equal(t, 1, v)
			require.NoError(t, first.Join(bg))
			var pe *scheduler.PanicError
			require.ErrorAs(t, first.Err(), &pe)
			assert.Equal(t, errBoom, pe.Value)
			assert.Zero(t, q.Getters())
			assert.Equal(t, []int{2, 3}, drainPriority(t, c, q), "shutdown=%v", shutdown)
			assert.Len(t, *reports, 1, "the first getter's failure, as any greenlet's")
			return nil
		})
	}
}

// TestPriorityHeapOrder puts and takes many items in mixed order, equal
// ones included, and checks each Get returns the smallest left.
func TestPriorityHeapOrder(t *testing.T) {
	run(t, func() error {
		q := queue.NewPriority[int](0)
		var model []int
		x := 7
		for round := range 400 {
			x = (x*31 + 11) % 97
			if round%3 != 2 {
				require.NoError(t, q.TryPut(x%23))
				model = append(model, x%23)
				continue
			}
			v, err := q.TryGet()
			require.NoError(t, err)
			slices.Sort(model)
			assert.Equal(t, model[0], v)
			model = model[1:]
		}
		for len(model) > 0 {
			v, err := q.TryGet()
			require.NoError(t, err)
			slices.Sort(model)
			assert.Equal(t, model[0], v)
			model = model[1:]
		}
		_, err := q.TryGet()
		assert.ErrorIs(t, err, queue.ErrEmpty)
		return nil
	})
}
