package queue_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// FuzzQueueSemaphore drives a bounded Queue and a Semaphore from four
// greenlets with operations decoded from the input (put, get, acquire,
// release, each blocking, non-blocking or with a zero timeout, and sleeps
// that interleave them) and checks them against a model: every item put is
// got exactly once, the semaphore counter equals initial + releases -
// acquires, and every greenlet ends (woken or timed out) before a final
// Shutdown wakes whoever still waits.
func FuzzQueueSemaphore(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0x10, 0x10, 0x10, 0x21, 0x21, 0x21, 0x32, 0x43})
	f.Add([]byte{0x02, 0x06, 0x0a, 0x0e, 0x12, 0x16, 0x1a, 0x1e, 0x22, 0x26})
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x33, 0x44, 0x55, 0x66})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 256 {
			data = data[:256]
		}
		err := scheduler.Main(func() error {
			q := queue.NewQueue[int](2)
			sem, err := lock.NewSemaphore(1)
			require.NoError(t, err)
			const workers = 4
			nextItem := 0
			put := map[int]bool{}
			got := map[int]int{}
			acquired, released := 0, 0
			var gs []*scheduler.Greenlet[struct{}]
			for w := range workers {
				gs = append(gs, scheduler.Go(func() error {
					for i := w; i < len(data); i += workers {
						op := data[i]
						mode := op >> 4 & 3 // 0 block, 1 non-blocking, 2 zero timeout, 3 blocking
						block, timeout := mode != 1, scheduler.Forever
						if mode == 2 {
							timeout = 0
						}
						switch op & 7 {
						case 0, 1:
							item := nextItem
							nextItem++
							err := q.Put(item, block, timeout)
							switch {
							case err == nil:
								put[item] = true
							case errors.Is(err, queue.ErrFull), errors.Is(err, queue.ErrShutdown):
							default:
								return err
							}
						case 2, 3:
							v, err := q.Get(block, timeout)
							switch {
							case err == nil:
								got[v]++
							case errors.Is(err, queue.ErrEmpty), errors.Is(err, queue.ErrShutdown):
							default:
								return err
							}
						case 4:
							ok, err := sem.Acquire(block && mode != 0, 0)
							if err != nil {
								return err
							}
							if ok {
								acquired++
							}
						case 5:
							if acquired > released {
								released++
								_, _ = sem.Release()
							}
						case 6:
							if err := scheduler.Sleep(0); err != nil {
								return err
							}
						case 7:
							if err := scheduler.Idle(0); err != nil {
								return err
							}
						}
					}
					return nil
				}))
			}
			// Let every worker run to completion or park, then shut the queue
			// down: parked greenlets must all wake.
			for range 4 {
				require.NoError(t, scheduler.Sleep(0))
			}
			q.Shutdown()
			_, err = scheduler.JoinAll(gs, scheduler.Forever, true)
			require.NoError(t, err)
			for _, g := range gs {
				require.True(t, g.Dead(), "every waiter woke")
			}
			for {
				v, err := q.Get(false, 0)
				if err != nil {
					require.ErrorIs(t, err, queue.ErrShutdown)
					break
				}
				got[v]++
			}
			for item := range put {
				require.Equal(t, 1, got[item], "item %d got once", item)
			}
			require.Len(t, got, len(put), "no item appeared that was not put")
			require.Equal(t, 1+released-acquired, sem.Counter())
			return nil
		})
		require.NoError(t, err)
	})
}
