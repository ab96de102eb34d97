package queue_test

import (
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// inGoroutine runs fn on a fresh goroutine without a hub and reports
// whether that goroutine still had no hub afterwards.
func inGoroutine(fn func()) (noHub bool) {
	done := make(chan bool)
	go func() {
		fn()
		done <- scheduler.CurrentHub() == nil
	}()
	return <-done
}

// snapshot is the observable state of a queue.
type snapshot struct{ len, getters, putters int }

func snap[T any](q *queue.Queue[T]) snapshot {
	return snapshot{q.Len(), q.Getters(), q.Putters()}
}

// TestForeignGoroutineIsRefused: every call of every queue type that may
// wait, or that reads or changes a bound queue, fails with ErrNotGreenlet
// from a goroutine that is not a greenlet of the queue's hub, without
// creating a hub for it and without touching the queue, while greenlets of
// the hub wait on it.
func TestForeignGoroutineIsRefused(t *testing.T) {
	run(t, func() error {
		empty := queue.NewQueue[int](0)
		full := queue.NewQueue[int](1)
		require.NoError(t, full.Put(1, false, 0))
		lifo := queue.NewLifoQueue[int](1)
		require.NoError(t, lifo.Put(1, false, 0))
		prio := queue.NewPriorityQueue[int](0)
		simple := queue.NewSimpleQueue[int]()
		jq := queue.NewJoinableQueue[int](0)
		require.NoError(t, jq.Put(1, false, 0))
		ch := queue.NewChannel[int]()

		// Greenlets of the hub wait on each, so that the lists are not
		// empty while the foreign calls come in.
		waiting := []*scheduler.Greenlet[struct{}]{
			scheduler.Go(func() error { _, err := empty.Get(true, scheduler.Forever); return err }),
			scheduler.Go(func() error { return full.Put(2, true, scheduler.Forever) }),
			scheduler.Go(func() error { _, err := prio.Peek(true, scheduler.Forever); return err }),
			scheduler.Go(func() error { _, err := simple.Get(true, scheduler.Forever); return err }),
			scheduler.Go(func() error { _, err := ch.Get(true, scheduler.Forever); return err }),
		}
		require.NoError(t, scheduler.Sleep(0))
		before := map[string]snapshot{"empty": snap(empty), "full": snap(full), "lifo": snap(lifo),
			"prio": snap(prio), "simple": snap(simple), "jq": snap(&jq.Queue)}
		balance := ch.Balance()

		calls := map[string]func() error{
			"Queue.Get":                      func() error { _, err := empty.Get(true, scheduler.Forever); return err },
			"Queue.Get timeout":              func() error { _, err := empty.Get(true, 0); return err },
			"Queue.Get nowait":               func() error { _, err := empty.Get(false, 0); return err },
			"Queue.Put full":                 func() error { return full.Put(3, true, scheduler.Forever) },
			"Queue.Put full nowait":          func() error { return full.Put(3, false, 0) },
			"Queue.Put room":                 func() error { return empty.Put(3, false, 0) },
			"Queue.Get item":                 func() error { _, err := full.Get(false, 0); return err },
			"Queue.Peek":                     func() error { _, err := empty.Peek(true, scheduler.Forever); return err },
			"Queue.Peek item":                func() error { _, err := full.Peek(false, 0); return err },
			"LifoQueue.Put":                  func() error { return lifo.Put(3, true, scheduler.Forever) },
			"LifoQueue.Get":                  func() error { _, err := lifo.Get(true, scheduler.Forever); return err },
			"PriorityQueue.Get":              func() error { _, err := prio.Get(true, scheduler.Forever); return err },
			"SimpleQueue.Get":                func() error { _, err := simple.Get(true, scheduler.Forever); return err },
			"JoinableQueue.Join":             func() error { _, err := jq.Join(scheduler.Forever); return err },
			"JoinableQueue.TaskDone":         jq.TaskDone,
			"JoinableQueue.Get":              func() error { _, err := jq.Get(true, scheduler.Forever); return err },
			"Channel.Get":                    func() error { _, err := ch.Get(true, scheduler.Forever); return err },
			"Channel.Get nowait":             func() error { _, err := ch.Get(false, 0); return err },
			"Channel.Put":                    func() error { return ch.Put(3, true, scheduler.Forever) },
			"Channel.Put nowait":             func() error { return ch.Put(3, false, 0) },
			"Queue.All yields the refusal":   func() error { return allYields(empty.All()) },
			"Channel.All yields the refusal": func() error { return allYields(ch.All()) },
		}
		for name, call := range calls {
			var err error
			assert.True(t, inGoroutine(func() { err = call() }), "%s created a hub", name)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
			var qe *queue.Error
			assert.ErrorAs(t, err, &qe, name)
		}

		// A goroutine with a hub of its own is just as foreign.
		require.True(t, inGoroutine(func() {
			assert.NoError(t, scheduler.Main(func() error {
				_, err := empty.Get(true, scheduler.Forever)
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
				assert.ErrorIs(t, ch.Put(1, true, scheduler.Forever), scheduler.ErrNotGreenlet)
				return nil
			}))
		}))

		assert.Equal(t, before, map[string]snapshot{"empty": snap(empty), "full": snap(full), "lifo": snap(lifo),
			"prio": snap(prio), "simple": snap(simple), "jq": snap(&jq.Queue)})
		assert.Equal(t, balance, ch.Balance())
		assert.Equal(t, 1, jq.Unfinished())

		// The hub's own waiters are served as if nothing happened.
		require.NoError(t, empty.Put(10, false, 0))
		_, err := full.Get(false, 0)
		require.NoError(t, err)
		require.NoError(t, prio.Put(10, false, 0))
		require.NoError(t, simple.Put(10, false, 0))
		require.NoError(t, ch.Put(10, true, scheduler.Forever))
		_, err = scheduler.JoinAll(waiting, scheduler.Forever, true)
		return err
	})
}

// allYields returns the one thing a foreign goroutine's All yields: the
// refusal of its first Get, as an error and no item.
func allYields(all iter.Seq2[int, error]) error {
	n := 0
	var got error
	for v, err := range all {
		n++
		if err == nil || v != 0 {
			return assert.AnError
		}
		got = err
	}
	if n != 1 {
		return fmt.Errorf("All yielded %d times, want the refusal once", n)
	}
	return got
}

// TestUnboundQueueWithoutHub: a goroutine without a hub may fill and drain
// an unbound queue (no hub is created), but a call that would have to wait
// forever fails with ErrNotGreenlet instead of creating a hub just to hit
// LoopExit. The first greenlet to use the queue binds it afterwards.
func TestUnboundQueueWithoutHub(t *testing.T) {
	q := queue.NewQueue[int](1)
	jq := queue.NewJoinableQueue[int](0)
	var ch queue.Channel[int]
	require.True(t, inGoroutine(func() {
		require.NoError(t, q.Put(1, true, scheduler.Forever))
		assert.ErrorIs(t, q.Put(2, true, scheduler.Forever), scheduler.ErrNotGreenlet)
		assert.ErrorIs(t, q.Put(2, false, 0), queue.ErrFull)
		v, err := q.Get(true, scheduler.Forever)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		_, err = q.Get(true, scheduler.Forever)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		_, err = q.Get(false, 0)
		assert.ErrorIs(t, err, queue.ErrEmpty)

		ok, err := jq.Join(scheduler.Forever)
		require.NoError(t, err)
		assert.True(t, ok, "nothing unfinished: Join need not wait")
		require.NoError(t, jq.Put(1, false, 0))
		_, err = jq.Join(scheduler.Forever)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)

		_, err = ch.Get(true, scheduler.Forever)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	}), "a hub was created")
	run(t, func() error {
		g := scheduler.Go(func() error { _, err := q.Get(true, scheduler.Forever); return err })
		require.NoError(t, q.Put(5, true, scheduler.Forever))
		require.NoError(t, g.Join(scheduler.Forever))
		assert.True(t, g.Successful())
		_, err := jq.Get(false, 0)
		require.NoError(t, err)
		require.NoError(t, jq.TaskDone())
		ok, err := jq.Join(scheduler.Forever)
		require.NoError(t, err)
		assert.True(t, ok)
		return nil
	})
	// The queue's hub was destroyed with Main: the queue counts as unbound
	// again.
	require.True(t, inGoroutine(func() {
		require.NoError(t, q.Put(1, false, 0), "a destroyed hub unbinds the queue")
	}))
}

// TestHubCannotWait: a callback on the hub may use a queue without waiting
// (gevent's put_nowait from the hub) but a call that would wait fails with
// ErrNotGreenlet instead of blocking the hub, leaving the queue untouched.
func TestHubCannotWait(t *testing.T) {
	run(t, func() error {
		q := queue.NewQueue[int](1)
		var ch queue.Channel[int]
		h := scheduler.GetHub()
		done := make(chan struct{})
		h.RunCallback(func() {
			defer close(done)
			assert.NoError(t, q.Put(1, false, 0))
			assert.ErrorIs(t, q.Put(2, true, scheduler.Forever), scheduler.ErrNotGreenlet)
			assert.Zero(t, q.Putters())
			v, err := q.Get(true, scheduler.Forever)
			assert.NoError(t, err)
			assert.Equal(t, 1, v)
			_, err = q.Get(true, scheduler.Forever)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			assert.Zero(t, q.Getters())
			assert.ErrorIs(t, ch.Put(1, false, 0), scheduler.ErrNotGreenlet)
			assert.Zero(t, ch.Balance())
		})
		require.NoError(t, scheduler.Sleep(0))
		<-done
		return nil
	})
}

// TestShutdownFromForeignGoroutine: Shutdown is goroutine-safe; from a
// foreign goroutine it reaches the hub through Post and wakes the waiters.
func TestShutdownFromForeignGoroutine(t *testing.T) {
	run(t, func() error {
		q := queue.NewQueue[int](0)
		ch := queue.NewChannel[int]()
		release := scheduler.GetHub().KeepAlive()
		var getErr, putErr error
		g1 := scheduler.Go(func() error { _, getErr = q.Get(true, scheduler.Forever); return nil })
		g2 := scheduler.Go(func() error { putErr = ch.Put(1, true, scheduler.Forever); return nil })
		require.NoError(t, scheduler.Sleep(0))
		require.True(t, inGoroutine(func() { q.Shutdown(); ch.Shutdown() }))
		_, err := scheduler.JoinAll([]*scheduler.Greenlet[struct{}]{g1, g2}, scheduler.Forever, false)
		release()
		require.NoError(t, err)
		assert.ErrorIs(t, getErr, queue.ErrShutdown)
		assert.ErrorIs(t, putErr, queue.ErrShutdown)
		assert.True(t, q.IsShutdown())
		return nil
	})
}

// TestTimedWaitWithoutHub: a wait with a timeout from a goroutine without a
// hub has an outcome (the timeout, as in gevent's main thread), so it
// creates the goroutine's hub, as Sleep would, and binds the queue to it.
func TestTimedWaitWithoutHub(t *testing.T) {
	q := queue.NewQueue[int](0)
	var ch queue.Channel[int]
	var created bool
	require.True(t, inGoroutine(func() {
		_, err := q.Get(true, time.Millisecond)
		assert.ErrorIs(t, err, queue.ErrEmpty)
		assert.ErrorIs(t, ch.Put(1, false, 0), queue.ErrFull)
		h := scheduler.CurrentHub()
		if created = h != nil; created {
			require.NoError(t, h.Destroy())
		}
	}), "Destroy released the goroutine's hub")
	assert.True(t, created, "the timed wait created the goroutine's hub")
}
