package queue_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// longAcquire is the limit of the fuzz model's timed semaphore waits: far
// longer than an input runs, so it never fires and such a wait must end by
// a release, exactly as one without a limit.
const longAcquire = 10 * time.Second

// FuzzQueueSemaphore drives a bounded Queue and a Semaphore from four
// greenlets with operations decoded from the input and checks them against
// a model. Each byte is an operation (low 3 bits) and a mode (bits 4-5):
//
//   - put, get: mode 1 the Try form, 2 a deadline already passed, 0 and 3
//     no time limit;
//   - acquire: mode 0 waits without a limit, 1 is TryAcquire, 2 has a
//     deadline already passed, 3 a long one that never fires;
//   - release (only after more acquires than releases), sleep(0), idle.
//
// After the workers ran a little, the queue is shut down, which wakes its
// waiters; then the main greenlet waits for the loop to go idle and
// releases exactly as many permits as greenlets wait in Acquire beyond the
// counter, round after round, until every worker ended. So a waiter left
// parked while a permit is free (a lost wake-up) stalls the rounds and
// fails the input, and the final counter must be initial + releases -
// acquires with no waiter registered: no acquire lost or duplicated. Every
// item put is got exactly once.
func FuzzQueueSemaphore(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0x10, 0x10, 0x10, 0x21, 0x21, 0x21, 0x32, 0x43})
	f.Add([]byte{0x02, 0x06, 0x0a, 0x0e, 0x12, 0x16, 0x1a, 0x1e, 0x22, 0x26})
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x33, 0x44, 0x55, 0x66})
	// Every worker waits on the semaphore without a limit, twice.
	f.Add([]byte{0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04})
	// Long waits mixed with releases and barging non-blocking acquires.
	f.Add([]byte{0x34, 0x04, 0x14, 0x24, 0x05, 0x05, 0x14, 0x14, 0x06, 0x07, 0x05, 0x05, 0x34, 0x04, 0x24, 0x14})
	// Waits on the semaphore while the queue fills and drains.
	f.Add([]byte{0x04, 0x00, 0x02, 0x34, 0x00, 0x00, 0x05, 0x02, 0x04, 0x02, 0x00, 0x05})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 256 {
			data = data[:256]
		}
		err := scheduler.Main(func() error {
			q := queue.New[int](2)
			sem, err := lock.NewSemaphore(1)
			require.NoError(t, err)
			const workers = 4
			nextItem := 0
			put := map[int]bool{}
			got := map[int]int{}
			acquired, released := 0, 0 // by the workers
			waiting := 0               // workers inside a waiting Acquire
			steps := 0                 // operations completed, to see progress
			var gs []*scheduler.Greenlet[struct{}]
			for w := range workers {
				gs = append(gs, scheduler.Go(func() error {
					for i := w; i < len(data); i += workers {
						op := data[i]
						mode := op >> 4 & 3
						// mode 1: a Try form; 2: an expired deadline; 0 and
						// 3: no limit (3 for acquire: a long one that never
						// fires).
						ctx := bg
						switch mode {
						case 2:
							ctx = testctx.Within(t, 0)
						case 3:
							if op&7 == 4 {
								ctx = testctx.Within(t, longAcquire)
							}
						}
						switch op & 7 {
						case 0, 1:
							item := nextItem
							nextItem++
							var err error
							if mode == 1 {
								err = q.TryPut(item)
							} else {
								err = q.Put(ctx, item)
							}
							switch {
							case err == nil:
								put[item] = true
							case errors.Is(err, queue.ErrFull), errors.Is(err, scheduler.ErrTimeout), errors.Is(err, queue.ErrShutdown):
							default:
								return err
							}
						case 2, 3:
							var v int
							var err error
							if mode == 1 {
								v, err = q.TryGet()
							} else {
								v, err = q.Get(ctx)
							}
							switch {
							case err == nil:
								got[v]++
							case errors.Is(err, queue.ErrEmpty), errors.Is(err, scheduler.ErrTimeout), errors.Is(err, queue.ErrShutdown):
							default:
								return err
							}
						case 4:
							// Only waits that no time limit can end count as
							// waiting: the main greenlet releases for them.
							endless := mode == 0 || mode == 3
							if endless {
								waiting++
							}
							ok := true
							var err error
							if mode == 1 {
								ok = sem.TryAcquire()
							} else if err = sem.Acquire(ctx); errors.Is(err, scheduler.ErrTimeout) && mode == 2 {
								ok, err = false, nil
							}
							if endless {
								waiting--
							}
							if err != nil {
								return fmt.Errorf("acquire mode %d: %w", mode, err)
							}
							if ok {
								acquired++
							}
						case 5:
							if acquired > released {
								released++
								if _, err := sem.Release(); err != nil {
									return err
								}
							}
						case 6:
							if err := scheduler.Sleep(bg, 0); err != nil {
								return err
							}
						case 7:
							if err := scheduler.Idle(bg, 0); err != nil {
								return err
							}
						}
						steps++
					}
					return nil
				}))
			}
			// Let every worker run to completion or park, then shut the queue
			// down: greenlets parked on it must all wake.
			for range 4 {
				require.NoError(t, scheduler.Sleep(bg, 0))
			}
			q.Shutdown()

			// Release for the semaphore's waiters until every worker ended,
			// never more than they lack: a wake-up that got lost leaves a
			// waiter parked beside a free permit, and nothing changes.
			finalReleased, stalled := 0, 0
			alive := func() int {
				n := 0
				for _, g := range gs {
					if !g.Dead() {
						n++
					}
				}
				return n
			}
			for alive() > 0 {
				require.GreaterOrEqual(t, sem.Counter(), 0)
				lack := waiting - sem.Counter()
				for range lack {
					finalReleased++
					_, err := sem.Release()
					require.NoError(t, err)
				}
				before := steps
				require.NoError(t, scheduler.Idle(bg, 0))
				require.NoError(t, scheduler.Sleep(bg, 0))
				if lack > 0 || steps != before {
					stalled = 0
					continue
				}
				stalled++
				require.Less(t, stalled, 3,
					"no progress: %d workers alive, %d waiting in Acquire, counter %d, %d links",
					alive(), waiting, sem.Counter(), sem.LinkCount())
			}
			_, err = scheduler.JoinAll(testctx.Within(t, time.Second), gs)
			require.NoError(t, err)
			for _, g := range gs {
				require.True(t, g.Dead(), "every waiter woke")
				require.NoError(t, g.Err())
			}
			require.Zero(t, waiting)
			require.Zero(t, sem.LinkCount(), "no waiter left registered")
			require.Equal(t, 1+released+finalReleased-acquired, sem.Counter(),
				"every acquire counted once: %d acquired, %d released by workers, %d at the end",
				acquired, released, finalReleased)
			for {
				v, err := q.TryGet()
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
			return nil
		})
		require.NoError(t, err)
	})
}
