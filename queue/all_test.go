package queue_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// ranger is what the All tests need of a Queue or a Channel.
type ranger struct {
	name    string
	all     func(context.Context) iter.Seq2[int, error]
	put     func(int) error // from a greenlet of its own: a bounded queue or a Channel would wait
	waiters func() int      // getters waiting
	stop    func()
}

func queueRanger(name string, q *queue.Queue[int]) ranger {
	return ranger{name, q.All, func(v int) error {
		scheduler.Go(func() error { return q.Put(bg, v) })
		return nil
	}, q.Getters, q.Shutdown}
}

func channelRanger(c *queue.Channel[int]) ranger {
	return ranger{"Channel", c.All, func(v int) error {
		scheduler.Go(func() error { return c.Put(bg, v) })
		return nil
	}, func() int { return max(-c.Balance(), 0) }, c.Shutdown}
}

// rangers returns one fresh ranger per kind.
func rangers() []ranger {
	jq := queue.NewJoinable[int](0)
	return []ranger{
		queueRanger("Queue", queue.New[int](0)),
		queueRanger("Queue bounded", queue.New[int](1)),
		queueRanger("LifoQueue", queue.NewLifo[int](0)),
		queueRanger("PriorityQueue", queue.NewPriority[int](0)),
		queueRanger("SimpleQueue", queue.NewSimple[int]()),
		queueRanger("JoinableQueue", &jq.Queue),
		channelRanger(queue.NewChannel[int]()),
	}
}

// drain ranges over r.all(bg) the way callers should, recording what the loop
// body saw, and returns the error it saw (nil after a clean end).
type drain struct {
	items  []int
	errs   []error
	after  bool // the code after the loop ran
	result error
}

func (d *drain) run(all iter.Seq2[int, error]) error {
	for v, err := range all {
		if err != nil {
			d.errs = append(d.errs, err)
			d.result = err
			continue // a second error would be recorded: there must be none
		}
		d.items = append(d.items, v)
	}
	d.after = true
	return d.result
}

func TestAllCleanEndOnShutdown(t *testing.T) {
	for _, r := range rangers() {
		t.Run(r.name, func(t *testing.T) {
			run(t, func() error {
				var d drain
				g := scheduler.Go(func() error { return d.run(r.all(bg)) })
				for i := range 3 {
					require.NoError(t, r.put(i))
					require.NoError(t, scheduler.Sleep(bg, 0))
				}
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.Equal(t, 1, r.waiters(), "the loop waits for the next item")
				r.stop()
				require.NoError(t, g.Join(bg))
				assert.True(t, g.Successful())
				assert.Equal(t, []int{0, 1, 2}, d.items)
				assert.Empty(t, d.errs, "a shutdown is the clean end")
				assert.True(t, d.after)
				assert.Equal(t, 0, r.waiters())
				return nil
			})
		})
	}
}

func TestAllDrainsBeforeShutdownEnds(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](0)
		for i := range 3 {
			require.NoError(t, q.TryPut(i))
		}
		q.Shutdown()
		var d drain
		require.NoError(t, d.run(q.All(bg)), "items left are yielded, then the end")
		assert.Equal(t, []int{0, 1, 2}, d.items)
		assert.True(t, d.after)
		return nil
	})
}

func TestAllYieldsKill(t *testing.T) {
	for _, r := range rangers() {
		t.Run(r.name, func(t *testing.T) {
			run(t, func() error {
				var d drain
				g := scheduler.Go(func() error { return d.run(r.all(bg)) })
				require.NoError(t, r.put(1))
				require.NoError(t, scheduler.Sleep(bg, 0))
				require.NoError(t, scheduler.Sleep(bg, 0))
				require.Equal(t, 1, r.waiters())
				require.NoError(t, g.Kill(bg, nil))
				assert.Equal(t, []int{1}, d.items)
				require.Len(t, d.errs, 1, "the kill is yielded once")
				assert.ErrorIs(t, d.errs[0], scheduler.ErrGreenletExit)
				var qe *queue.Error
				assert.ErrorAs(t, d.errs[0], &qe)
				assert.True(t, d.after)
				assert.True(t, g.Dead())
				assert.True(t, g.Successful(), "returning GreenletExit is a success")
				assert.Equal(t, 0, r.waiters(), "the killed Get left no waiter")
				return nil
			})
		})
	}
}

func TestAllYieldsOuterTimeout(t *testing.T) {
	for _, r := range rangers() {
		t.Run(r.name, func(t *testing.T) {
			run(t, func() error {
				require.NoError(t, r.put(1))
				to := scheduler.NewTimeout(5*time.Millisecond, nil)
				require.NoError(t, to.Start())
				defer to.Cancel()
				var d drain
				err := d.run(r.all(bg))
				assert.ErrorIs(t, err, to, "the outer timeout comes out of the loop")
				assert.ErrorIs(t, err, scheduler.ErrTimeout)
				assert.NotErrorIs(t, err, queue.ErrEmpty, "it is not the Get's own timeout")
				assert.Equal(t, []int{1}, d.items)
				assert.Len(t, d.errs, 1)
				assert.True(t, d.after)
				assert.Equal(t, 0, r.waiters())
				return nil
			})
		})
	}
}

func TestAllYieldsLoopExit(t *testing.T) {
	run(t, func() error {
		var d drain
		err := d.run(queue.New[int](0).All(bg))
		assert.ErrorIs(t, err, scheduler.ErrLoopExit, "nothing can put: LoopExit, not a clean end")
		var le *scheduler.LoopExitError
		assert.ErrorAs(t, err, &le)
		assert.Len(t, d.errs, 1)

		d = drain{}
		err = d.run(queue.NewChannel[int]().All(bg))
		assert.ErrorIs(t, err, scheduler.ErrLoopExit)
		assert.Len(t, d.errs, 1)
		return nil
	})
}

// An ErrShutdown that is not this queue's own end (a kill with it, another
// queue's shutdown) is an error like any other.
func TestAllForeignShutdownErrorIsNotTheEnd(t *testing.T) {
	for _, r := range rangers() {
		t.Run(r.name, func(t *testing.T) {
			run(t, func() error {
				var d drain
				g := scheduler.Go(func() error { return d.run(r.all(bg)) })
				require.NoError(t, scheduler.Sleep(bg, 0))
				other := &queue.Error{Op: "Queue.Get", Err: queue.ErrShutdown}
				require.NoError(t, g.Kill(bg, other))
				require.Len(t, d.errs, 1)
				assert.ErrorIs(t, d.errs[0], other)
				assert.ErrorIs(t, g.Err(), queue.ErrShutdown)
				assert.Equal(t, 0, r.waiters())
				return nil
			})
		})
	}
}

func TestAllBreakLeavesNoWaiter(t *testing.T) {
	for _, r := range rangers() {
		t.Run(r.name, func(t *testing.T) {
			run(t, func() error {
				for i := range 3 {
					require.NoError(t, r.put(i))
				}
				n := 0
				for _, err := range r.all(bg) {
					require.NoError(t, err)
					if n++; n == 2 {
						break
					}
				}
				assert.Equal(t, 0, r.waiters(), "no Get was left waiting")
				// The item left goes to the next Get, not to a lost waiter.
				var last []int
				for v, err := range r.all(bg) {
					require.NoError(t, err)
					last = append(last, v)
					break
				}
				assert.Len(t, last, 1)
				assert.Equal(t, 0, r.waiters())
				return nil
			})
		})
	}
}

// Breaking out on the error leaves the queue usable.
func TestAllBreakOnErrorThenReuse(t *testing.T) {
	run(t, func() error {
		q := queue.New[int](0)
		to := scheduler.NewTimeout(time.Millisecond, nil)
		require.NoError(t, to.Start())
		var got error
		for _, err := range q.All(bg) {
			if err != nil {
				got = err
				break
			}
		}
		to.Cancel()
		require.ErrorIs(t, got, to)
		assert.Equal(t, 0, q.Getters())
		scheduler.Go(func() error { return q.Put(bg, 9) })
		for v, err := range q.All(bg) {
			require.NoError(t, err)
			assert.Equal(t, 9, v)
			break
		}
		return nil
	})
}

func TestAllEndsOnShutdown(t *testing.T) {
	run(t, func() error {
		q := queue.NewSimple[int]()
		c := queue.NewChannel[int]()
		var got, gotc []int
		g := scheduler.Go(func() error {
			for v, err := range q.All(bg) {
				if err != nil {
					return err
				}
				got = append(got, v)
			}
			for v, err := range c.All(bg) {
				if err != nil {
					return err
				}
				gotc = append(gotc, v)
			}
			return nil
		})
		for i := range 3 {
			require.NoError(t, q.Put(bg, i))
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		q.Shutdown()
		require.NoError(t, c.Put(bg, 7))
		c.Shutdown()
		require.NoError(t, g.Join(bg))
		assert.Equal(t, []int{0, 1, 2}, got)
		assert.Equal(t, []int{7}, gotc)
		return nil
	})
}
