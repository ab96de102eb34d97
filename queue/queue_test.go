package queue_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func run(t testing.TB, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

func TestZeroQueueAndKinds(t *testing.T) {
	run(t, func() error {
		var q queue.Queue[int]
		for i := range 20 {
			require.NoError(t, q.Put(i, false, 0))
		}
		for i := range 20 {
			v, err := q.Get(false, 0)
			require.NoError(t, err)
			assert.Equal(t, i, v)
		}
		p := queue.NewPriorityQueueFunc(0, func(a, b string) bool { return len(a) < len(b) })
		for _, s := range []string{"ccc", "a", "bb"} {
			require.NoError(t, p.Put(s, true, scheduler.Forever))
		}
		v, _ := p.Peek(false, 0)
		assert.Equal(t, "a", v)
		l := queue.NewLifoQueue[int](2)
		require.NoError(t, l.Put(1, false, 0))
		require.NoError(t, l.Put(2, false, 0))
		assert.ErrorIs(t, l.Put(3, false, 0), queue.ErrFull)
		x, _ := l.Get(false, 0)
		assert.Equal(t, 2, x)
		return nil
	})
}

func TestShutdownWakesEveryone(t *testing.T) {
	run(t, func() error {
		q := queue.NewQueue[int](1)
		require.NoError(t, q.Put(0, false, 0))
		put := scheduler.Go(func() error { return q.Put(1, true, scheduler.Forever) })
		e := queue.NewQueue[int](0)
		get := scheduler.Go(func() error { _, err := e.Get(true, scheduler.Forever); return err })
		require.NoError(t, scheduler.Sleep(0))
		q.Shutdown()
		e.Shutdown()
		_, _ = scheduler.JoinAll([]*scheduler.Greenlet[struct{}]{put, get}, scheduler.Forever, false)
		assert.ErrorIs(t, put.Err(), queue.ErrShutdown)
		assert.ErrorIs(t, get.Err(), queue.ErrShutdown)
		v, err := q.Get(false, 0)
		require.NoError(t, err, "items left are still delivered")
		assert.Equal(t, 0, v)
		_, err = q.Get(true, scheduler.Forever)
		assert.ErrorIs(t, err, queue.ErrShutdown)
		assert.ErrorIs(t, q.Put(2, true, scheduler.Forever), queue.ErrShutdown)
		return nil
	})
}

func TestAllEndsOnShutdown(t *testing.T) {
	run(t, func() error {
		q := queue.NewSimpleQueue[int]()
		c := queue.NewChannel[int]()
		var got, gotc []int
		g := scheduler.Go(func() error {
			for v, err := range q.All() {
				if err != nil {
					return err
				}
				got = append(got, v)
			}
			for v, err := range c.All() {
				if err != nil {
					return err
				}
				gotc = append(gotc, v)
			}
			return nil
		})
		for i := range 3 {
			require.NoError(t, q.Put(i, true, scheduler.Forever))
		}
		require.NoError(t, scheduler.Sleep(0))
		q.Shutdown()
		require.NoError(t, c.Put(7, true, scheduler.Forever))
		c.Shutdown()
		require.NoError(t, g.Join(scheduler.Forever))
		assert.Equal(t, []int{0, 1, 2}, got)
		assert.Equal(t, []int{7}, gotc)
		return nil
	})
}

func TestJoinable(t *testing.T) {
	run(t, func() error {
		q := queue.NewJoinableQueue[int](0)
		assert.ErrorIs(t, q.TaskDone(), queue.ErrTaskDone)
		require.NoError(t, q.Put(1, true, scheduler.Forever))
		ok, err := q.Join(time.Millisecond)
		require.NoError(t, err)
		assert.False(t, ok)
		scheduler.Go(func() error {
			if _, err := q.Get(true, scheduler.Forever); err != nil {
				return err
			}
			return q.TaskDone()
		})
		ok, err = q.Join(scheduler.Forever)
		require.NoError(t, err)
		assert.True(t, ok)
		return nil
	})
}

func TestKilledGetterLeavesQueue(t *testing.T) {
	run(t, func() error {
		q := queue.NewQueue[int](0)
		g := scheduler.Go(func() error { _, err := q.Get(true, scheduler.Forever); return err })
		require.NoError(t, scheduler.Sleep(0))
		assert.Equal(t, 1, q.Getters())
		require.NoError(t, g.Kill(nil, true, scheduler.Forever))
		assert.Equal(t, 0, q.Getters())
		require.NoError(t, q.Put(1, true, scheduler.Forever))
		assert.Equal(t, 1, q.Len(), "no getter took the item")
		return nil
	})
}

func ExampleQueue() {
	_ = scheduler.Main(func() error {
		q := queue.NewQueue[string](1)
		consumer := scheduler.Go(func() error {
			for v, err := range q.All() {
				if err != nil {
					return err // a Kill, an outer Timeout: not the end of the queue
				}
				fmt.Println("got", v)
			}
			return nil // Shutdown, once drained, ends the loop cleanly
		})
		for _, v := range []string{"a", "b", "c"} {
			_ = q.Put(v, true, scheduler.Forever)
		}
		_ = scheduler.Sleep(0)
		q.Shutdown()
		return consumer.Join(scheduler.Forever)
	})
	// Output:
	// got a
	// got b
	// got c
}

func ExampleChannel() {
	_ = scheduler.Main(func() error {
		c := queue.NewChannel[int]()
		scheduler.Go(func() error { return c.Put(5, true, scheduler.Forever) })
		v, err := c.Get(true, scheduler.Forever)
		fmt.Println(v, err)
		return nil
	})
	// Output: 5 <nil>
}
