package queue_test

import (
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
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
		empty := queue.New[int](0)
		full := queue.New[int](1)
		require.NoError(t, full.TryPut(1))
		lifo := queue.NewLifo[int](1)
		require.NoError(t, lifo.TryPut(1))
		prio := queue.NewPriority[int](0)
		simple := queue.NewSimple[int]()
		jq := queue.NewJoinable[int](0)
		require.NoError(t, jq.TryPut(1))
		ch := queue.NewChannel[int]()

		// Greenlets of the hub wait on each, so that the lists are not
		// empty while the foreign calls come in.
		waiting := []*scheduler.Greenlet[struct{}]{
			scheduler.Go(func() error { _, err := empty.Get(bg); return err }),
			scheduler.Go(func() error { return full.Put(bg, 2) }),
			scheduler.Go(func() error { _, err := prio.Peek(bg); return err }),
			scheduler.Go(func() error { _, err := simple.Get(bg); return err }),
			scheduler.Go(func() error { _, err := ch.Get(bg); return err }),
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		before := map[string]snapshot{"empty": snap(empty), "full": snap(full), "lifo": snap(lifo),
			"prio": snap(prio), "simple": snap(simple), "jq": snap(&jq.Queue)}
		balance := ch.Balance()

		calls := map[string]func() error{
			"Queue.Get":                      func() error { _, err := empty.Get(bg); return err },
			"Queue.Get timeout":              func() error { _, err := empty.Get(testctx.Within(t, 0)); return err },
			"Queue.Get nowait":               func() error { _, err := empty.TryGet(); return err },
			"Queue.Put full":                 func() error { return full.Put(bg, 3) },
			"Queue.Put full nowait":          func() error { return full.TryPut(3) },
			"Queue.Put room":                 func() error { return empty.TryPut(3) },
			"Queue.Get item":                 func() error { _, err := full.TryGet(); return err },
			"Queue.Peek":                     func() error { _, err := empty.Peek(bg); return err },
			"Queue.Peek item":                func() error { _, err := full.TryPeek(); return err },
			"LifoQueue.Put":                  func() error { return lifo.Put(bg, 3) },
			"LifoQueue.Get":                  func() error { _, err := lifo.Get(bg); return err },
			"PriorityQueue.Get":              func() error { _, err := prio.Get(bg); return err },
			"SimpleQueue.Get":                func() error { _, err := simple.Get(bg); return err },
			"JoinableQueue.Join":             func() error { return jq.Join(bg) },
			"JoinableQueue.TaskDone":         jq.TaskDone,
			"JoinableQueue.Get":              func() error { _, err := jq.Get(bg); return err },
			"Channel.Get":                    func() error { _, err := ch.Get(bg); return err },
			"Channel.Get nowait":             func() error { _, err := ch.TryGet(); return err },
			"Channel.Put":                    func() error { return ch.Put(bg, 3) },
			"Channel.Put nowait":             func() error { return ch.TryPut(3) },
			"Queue.All yields the refusal":   func() error { return allYields(empty.All(bg)) },
			"Channel.All yields the refusal": func() error { return allYields(ch.All(bg)) },
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
				_, err := empty.Get(bg)
				assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
				assert.ErrorIs(t, ch.Put(bg, 1), scheduler.ErrNotGreenlet)
				return nil
			}))
		}))

		assert.Equal(t, before, map[string]snapshot{"empty": snap(empty), "full": snap(full), "lifo": snap(lifo),
			"prio": snap(prio), "simple": snap(simple), "jq": snap(&jq.Queue)})
		assert.Equal(t, balance, ch.Balance())
		assert.Equal(t, 1, jq.Unfinished())

		// The hub's own waiters are served as if nothing happened.
		require.NoError(t, empty.TryPut(10))
		_, err := full.TryGet()
		require.NoError(t, err)
		require.NoError(t, prio.TryPut(10))
		require.NoError(t, simple.TryPut(10))
		require.NoError(t, ch.Put(bg, 10))
		_, err = scheduler.JoinAll(bg, waiting)
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

// TestUnboundQueueWithoutHub: a goroutine without a hub can neither fill,
// drain nor wait on an unbound queue (each call fails with ErrNotGreenlet
// and no hub is created); the first greenlet to use the queue binds it, and
// once that hub is destroyed the queue binds to the next one.
func TestUnboundQueueWithoutHub(t *testing.T) {
	q := queue.New[int](1)
	jq := queue.NewJoinable[int](0)
	var ch queue.Channel[int]
	require.True(t, inGoroutine(func() {
		assert.ErrorIs(t, q.TryPut(1), scheduler.ErrNotGreenlet)
		assert.ErrorIs(t, q.Put(bg, 2), scheduler.ErrNotGreenlet)
		_, err := q.TryGet()
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		_, err = q.Get(testctx.Within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.ErrorIs(t, jq.Join(bg), scheduler.ErrNotGreenlet)
		err = jq.TryPut(1)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.ErrorContains(t, err, "JoinableQueue.TryPut") // it said Queue.TryPut
		err = jq.Put(bg, 1)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.ErrorContains(t, err, "JoinableQueue.Put")
		_, err = ch.Get(bg)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	}), "a hub was created")
	assert.Zero(t, q.Len())
	run(t, func() error {
		g := scheduler.Go(func() error { _, err := q.Get(bg); return err })
		require.NoError(t, q.Put(bg, 5))
		require.NoError(t, g.Join(bg))
		assert.True(t, g.Successful())
		require.NoError(t, jq.TryPut(1))
		_, err := jq.TryGet()
		require.NoError(t, err)
		require.NoError(t, jq.TaskDone())
		require.NoError(t, jq.Join(bg))
		return nil
	})
	run(t, func() error {
		require.NoError(t, q.TryPut(1), "a destroyed hub unbinds the queue")
		return nil
	})
}

// TestHubCannotWait: a callback on the hub may use a queue without waiting
// (gevent's put_nowait from the hub) but a call that would wait fails with
// ErrNotGreenlet instead of blocking the hub, leaving the queue untouched.
func TestHubCannotWait(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](1)
		var ch queue.Channel[int]
		h := scheduler.CurrentHub()
		done := make(chan struct{})
		h.RunCallback(func() {
			defer close(done)
			assert.NoError(t, q.TryPut(1))
			assert.ErrorIs(t, q.Put(bg, 2), scheduler.ErrNotGreenlet)
			assert.Zero(t, q.Putters())
			v, err := q.TryGet()
			assert.NoError(t, err)
			assert.Equal(t, 1, v)
			_, err = q.Get(bg)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			assert.Zero(t, q.Getters())
			assert.ErrorIs(t, ch.TryPut(1), scheduler.ErrNotGreenlet)
			assert.Zero(t, ch.Balance())
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		<-done
		return nil
	})
}

// TestShutdownFromForeignGoroutine: Shutdown is goroutine-safe; from a
// foreign goroutine it reaches the hub through Post and wakes the waiters.
func TestShutdownFromForeignGoroutine(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](0)
		ch := queue.NewChannel[int]()
		release, _ := scheduler.CurrentHub().KeepAlive() // main of the hub: never refused
		var getErr, putErr error
		g1 := scheduler.Go(func() error { _, getErr = q.Get(bg); return nil })
		g2 := scheduler.Go(func() error { putErr = ch.Put(bg, 1); return nil })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.True(t, inGoroutine(func() { q.Shutdown(); ch.Shutdown() }))
		_, err := scheduler.Wait(bg, []*scheduler.Greenlet[struct{}]{g1, g2}, 0)
		release()
		require.NoError(t, err)
		assert.ErrorIs(t, getErr, queue.ErrShutdown)
		assert.ErrorIs(t, putErr, queue.ErrShutdown)
		assert.True(t, q.IsShutdown())
		return nil
	})
}

// TestShutdownUnboundFromGoroutine: Shutdown from a goroutine on a queue
// no hub uses yet races with nothing (the race detector checks) and a
// greenlet that binds the queue at the same time is woken or refused,
// never left waiting.
func TestShutdownUnboundFromGoroutine(t *testing.T) {
	for range 20 {
		q := queue.New[int](0)
		var ch queue.Channel[int]
		stopped := make(chan struct{})
		go func() {
			q.Shutdown()
			ch.Shutdown()
			close(stopped)
		}()
		run(t, func() error {
			release, _ := scheduler.CurrentHub().KeepAlive() // main of the hub: never refused
			defer release()
			_, err := q.Get(bg)
			assert.ErrorIs(t, err, queue.ErrShutdown)
			_, err = ch.Get(bg)
			assert.ErrorIs(t, err, queue.ErrShutdown)
			return nil
		})
		<-stopped
		assert.True(t, q.IsShutdown())
	}
}

// TestForeignShutdownBeforeQueuedUnlock: a Get on a full queue queues the callback that lets
// the waiting putter in; a Shutdown from another goroutine then posts its wake-up, which runs
// after it. The putter gets ErrShutdown all the same: its Put succeeded after IsShutdown was
// true before.
func TestForeignShutdownBeforeQueuedUnlock(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](1)
		require.NoError(t, q.Put(bg, 1))
		var putErr error
		putter := scheduler.Go(func() error { putErr = q.Put(bg, 2); return nil })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 1, q.Putters())
		v, err := q.Get(bg) // queues the putter's admission
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		require.True(t, inGoroutine(q.Shutdown))
		require.NoError(t, putter.Join(bg))
		assert.ErrorIs(t, putErr, queue.ErrShutdown)
		assert.Zero(t, q.Len(), "the refused item is not in the queue")
		return nil
	})
}

// A Channel shut down from another goroutine after a getter queued the
// hand-off to a waiting putter (its wake-ups posted, so run after that
// callback) ends both waits with ErrShutdown, as a Shutdown on the hub does:
// nothing is handed over once the channel is shut down.
func TestForeignChannelShutdownBeforeQueuedHandOff(t *testing.T) {
	run(t, func() error {
		ch := queue.NewChannel[int]()
		var putErr, getErr error
		got := -1
		putter := scheduler.Go(func() error { putErr = ch.Put(bg, 7); return nil })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Equal(t, 1, ch.Putters())
		getter := scheduler.Go(func() error { got, getErr = ch.Get(bg); return nil })
		require.NoError(t, scheduler.Sleep(bg, 0)) // the getter waits, the hand-off is queued
		require.Equal(t, 1, ch.Getters())
		require.True(t, inGoroutine(ch.Shutdown))
		require.NoError(t, putter.Join(bg))
		require.NoError(t, getter.Join(bg))
		assert.ErrorIs(t, putErr, queue.ErrShutdown)
		assert.ErrorIs(t, getErr, queue.ErrShutdown)
		assert.Zero(t, got)
		return nil
	})
}
