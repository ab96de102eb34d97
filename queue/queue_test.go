package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func TestZeroQueueAndKinds(t *testing.T) {
	run(t, func() error {
		var q queue.Queue[int]
		for i := range 20 {
			require.NoError(t, q.TryPut(i))
		}
		for i := range 20 {
			v, err := q.TryGet()
			require.NoError(t, err)
			assert.Equal(t, i, v)
		}
		p := queue.NewPriorityFunc(0, func(a, b string) bool { return len(a) < len(b) })
		for _, s := range []string{"ccc", "a", "bb"} {
			require.NoError(t, p.Put(bg, s))
		}
		v, _ := p.TryPeek()
		assert.Equal(t, "a", v)
		l := queue.NewLifo[int](2)
		require.NoError(t, l.TryPut(1))
		require.NoError(t, l.TryPut(2))
		assert.ErrorIs(t, l.TryPut(3), queue.ErrFull)
		x, _ := l.TryGet()
		assert.Equal(t, 2, x)
		return nil
	})
}

func TestShutdownWakesEveryone(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](1)
		require.NoError(t, q.TryPut(0))
		put := scheduler.Go(func() error { return q.Put(bg, 1) })
		e := queue.New[int](0)
		get := scheduler.Go(func() error { _, err := e.Get(bg); return err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		q.Shutdown()
		e.Shutdown()
		_, _ = scheduler.Wait(bg, []*scheduler.Greenlet[struct{}]{put, get}, 0)
		assert.ErrorIs(t, put.Err(), queue.ErrShutdown)
		assert.ErrorIs(t, get.Err(), queue.ErrShutdown)
		v, err := q.TryGet()
		require.NoError(t, err, "items left are still delivered")
		assert.Equal(t, 0, v)
		_, err = q.Get(bg)
		assert.ErrorIs(t, err, queue.ErrShutdown)
		assert.ErrorIs(t, q.Put(bg, 2), queue.ErrShutdown)
		return nil
	})
}

func TestJoinable(t *testing.T) {
	run(t, func() error {
		q := queue.NewJoinable[int](0)
		assert.ErrorIs(t, q.TaskDone(), queue.ErrTaskDone)
		assert.EqualError(t, q.TaskDone(), "queue: JoinableQueue.TaskDone: TaskDone called too many times",
			"Go's name, not Python's task_done()")
		require.NoError(t, q.Put(bg, 1))
		err := q.Join(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		scheduler.Go(func() error {
			if _, err := q.Get(bg); err != nil {
				return err
			}
			return q.TaskDone()
		})
		require.NoError(t, q.Join(bg))
		return nil
	})
}

func TestKilledGetterLeavesQueue(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](0)
		g := scheduler.Go(func() error { _, err := q.Get(bg); return err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, 1, q.Getters())
		require.NoError(t, g.Kill(bg, nil))
		assert.Equal(t, 0, q.Getters())
		require.NoError(t, q.Put(bg, 1))
		assert.Equal(t, 1, q.Len(), "no getter took the item")
		return nil
	})
}

// TestZeroJoinableQueue: the zero JoinableQueue counts its tasks (its Put
// used to skip the count until something else created it).
func TestZeroJoinableQueue(t *testing.T) {
	run(t, func() error {
		var q queue.JoinableQueue[string]
		require.NoError(t, q.Put(bg, "a"))
		require.NoError(t, q.TryPut("b"))
		assert.Equal(t, 2, q.Unfinished())
		assert.ErrorIs(t, q.Join(testctx.Within(t, time.Millisecond)), scheduler.ErrTimeout)
		for range 2 {
			_, err := q.TryGet()
			require.NoError(t, err)
			require.NoError(t, q.TaskDone())
		}
		return q.Join(bg)
	})
}

// A nil context is refused even when an item is there (it used to be
// refused only when the call would wait).
func TestNilContextWithItems(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](0)
		require.NoError(t, q.TryPut(1))
		var nilCtx context.Context
		_, err := q.Get(nilCtx)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = q.Peek(nilCtx)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		assert.Equal(t, 1, q.Len())
		return nil
	})
}

// Reading a zero queue's size creates nothing, so concurrent readers race
// with nothing (Len and Unfinished used to create the store and the task
// count; the race detector checks).
func TestZeroQueueReadersDoNotWrite(t *testing.T) {
	var q queue.Queue[int]
	var jq queue.JoinableQueue[int]
	read := func() {
		for range 100 {
			_ = q.Len()
			_ = q.Empty()
			_ = jq.Unfinished()
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		read()
	}()
	read()
	<-done
	assert.Zero(t, q.Len())
}

// The Queue methods a *JoinableQueue offers answer a nil *JoinableQueue as a nil *Queue does:
// promoted through the embedded Queue, they dereferenced the nil pointer first.
func TestNilJoinableQueue(t *testing.T) {
	run(t, func() error {
		var q *queue.JoinableQueue[int]
		require.NotPanics(t, func() { assert.Zero(t, q.Len()) })
		var err error
		require.NotPanics(t, func() { _, err = q.Get(bg) })
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		require.NotPanics(t, func() { _, err = q.TryGet() })
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		return nil
	})
}
