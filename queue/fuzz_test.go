package queue_test

import (
	"context"
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
			m := newQSModel(t, data)
			const workers = 4
			var gs []*scheduler.Greenlet[struct{}]
			for w := range workers {
				gs = append(gs, scheduler.Go(func() error { return m.worker(w, workers) }))
			}
			// Let every worker run to completion or park, then shut the queue
			// down: greenlets parked on it must all wake.
			for range 4 {
				require.NoError(t, scheduler.Sleep(bg, 0))
			}
			m.q.Shutdown()
			finalReleased := m.releaseUntilDone(gs)
			m.checkSemaphore(gs, finalReleased)
			m.checkItems()
			return nil
		})
		require.NoError(t, err)
	})
}

// qsModel is one input of FuzzQueueSemaphore: the queue and semaphore under
// test and what the workers did to them.
type qsModel struct {
	t                  *testing.T
	data               []byte
	q                  *queue.Queue[int]
	sem                *lock.Semaphore
	nextItem           int
	put                map[int]bool
	got                map[int]int
	acquired, released int // by the workers
	waiting            int // workers inside a waiting Acquire
	steps              int // operations completed, to see progress
}

func newQSModel(t *testing.T, data []byte) *qsModel {
	sem, err := lock.NewSemaphore(1)
	require.NoError(t, err)
	return &qsModel{t: t, data: data, q: queue.New[int](2), sem: sem, put: map[int]bool{}, got: map[int]int{}}
}

// worker runs the operations w, w+workers, w+2*workers... of the input.
func (m *qsModel) worker(w, workers int) error {
	for i := w; i < len(m.data); i += workers {
		if err := m.step(m.data[i]); err != nil {
			return err
		}
		m.steps++
	}
	return nil
}

// step runs one operation: op's low 3 bits say which, bits 4-5 its mode.
func (m *qsModel) step(op byte) error {
	mode := op >> 4 & 3
	ctx := m.opContext(op, mode)
	switch op & 7 {
	case 0, 1:
		return m.doPut(ctx, mode)
	case 2, 3:
		return m.doGet(ctx, mode)
	case 4:
		return m.doAcquire(ctx, mode)
	case 5:
		return m.doRelease()
	case 6:
		return scheduler.Sleep(bg, 0)
	default:
		return scheduler.Idle(bg, 0)
	}
}

// opContext is the context of an operation in mode: mode 1 is a Try form; 2
// an expired deadline; 0 and 3 no limit (3 for acquire: a long one that
// never fires).
func (m *qsModel) opContext(op, mode byte) context.Context {
	switch {
	case mode == 2:
		return testctx.Within(m.t, 0)
	case mode == 3 && op&7 == 4:
		return testctx.Within(m.t, longAcquire)
	}
	return bg
}

func (m *qsModel) doPut(ctx context.Context, mode byte) error {
	item := m.nextItem
	m.nextItem++
	var err error
	if mode == 1 {
		err = m.q.TryPut(item)
	} else {
		err = m.q.Put(ctx, item)
	}
	switch {
	case err == nil:
		m.put[item] = true
	case errors.Is(err, queue.ErrFull), errors.Is(err, scheduler.ErrTimeout), errors.Is(err, queue.ErrShutdown):
	default:
		return err
	}
	return nil
}

func (m *qsModel) doGet(ctx context.Context, mode byte) error {
	var v int
	var err error
	if mode == 1 {
		v, err = m.q.TryGet()
	} else {
		v, err = m.q.Get(ctx)
	}
	switch {
	case err == nil:
		m.got[v]++
	case errors.Is(err, queue.ErrEmpty), errors.Is(err, scheduler.ErrTimeout), errors.Is(err, queue.ErrShutdown):
	default:
		return err
	}
	return nil
}

func (m *qsModel) doAcquire(ctx context.Context, mode byte) error {
	// Only waits that no time limit can end count as waiting: the main
	// greenlet releases for them.
	endless := mode == 0 || mode == 3
	if endless {
		m.waiting++
	}
	ok := true
	var err error
	if mode == 1 {
		ok = m.sem.TryAcquire()
	} else if err = m.sem.Acquire(ctx); errors.Is(err, scheduler.ErrTimeout) && mode == 2 {
		ok, err = false, nil
	}
	if endless {
		m.waiting--
	}
	if err != nil {
		return fmt.Errorf("acquire mode %d: %w", mode, err)
	}
	if ok {
		m.acquired++
	}
	return nil
}

// doRelease releases a permit, only after more acquires than releases.
func (m *qsModel) doRelease() error {
	if m.acquired <= m.released {
		return nil
	}
	m.released++
	_, err := m.sem.Release()
	return err
}

// alive counts the workers not yet dead.
func alive(gs []*scheduler.Greenlet[struct{}]) int {
	n := 0
	for _, g := range gs {
		if !g.Dead() {
			n++
		}
	}
	return n
}

// releaseUntilDone releases for the semaphore's waiters until every worker
// ended, never more than they lack: a wake-up that got lost leaves a waiter
// parked beside a free permit, nothing changes, and the input fails. It
// returns how many permits it released.
func (m *qsModel) releaseUntilDone(gs []*scheduler.Greenlet[struct{}]) (finalReleased int) {
	t := m.t
	stalled := 0
	for alive(gs) > 0 {
		require.GreaterOrEqual(t, m.sem.Counter(), 0)
		lack := m.waiting - m.sem.Counter()
		for range lack {
			finalReleased++
			_, err := m.sem.Release()
			require.NoError(t, err)
		}
		before := m.steps
		require.NoError(t, scheduler.Idle(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		if lack > 0 || m.steps != before {
			stalled = 0
			continue
		}
		stalled++
		require.Less(t, stalled, 3,
			"no progress: %d workers alive, %d waiting in Acquire, counter %d, %d links",
			alive(gs), m.waiting, m.sem.Counter(), m.sem.LinkCount())
	}
	return finalReleased
}

// checkSemaphore checks that every worker ended cleanly and the counter is
// initial + releases - acquires with no waiter registered: no acquire lost
// or duplicated.
func (m *qsModel) checkSemaphore(gs []*scheduler.Greenlet[struct{}], finalReleased int) {
	t := m.t
	_, err := scheduler.JoinAll(testctx.Within(t, time.Second), gs)
	require.NoError(t, err)
	for _, g := range gs {
		require.True(t, g.Dead(), "every waiter woke")
		require.NoError(t, g.Err())
	}
	require.Zero(t, m.waiting)
	require.Zero(t, m.sem.LinkCount(), "no waiter left registered")
	require.Equal(t, 1+m.released+finalReleased-m.acquired, m.sem.Counter(),
		"every acquire counted once: %d acquired, %d released by workers, %d at the end",
		m.acquired, m.released, finalReleased)
}

// checkItems drains the shut-down queue and checks that every item put was
// got exactly once.
func (m *qsModel) checkItems() {
	t := m.t
	for {
		v, err := m.q.TryGet()
		if err != nil {
			require.ErrorIs(t, err, queue.ErrShutdown)
			break
		}
		m.got[v]++
	}
	for item := range m.put {
		require.Equal(t, 1, m.got[item], "item %d got once", item)
	}
	require.Len(t, m.got, len(m.put), "no item appeared that was not put")
}
