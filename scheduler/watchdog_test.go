package scheduler

import (
	"bytes"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testThreshold is the blocking threshold of the detector tests: short, so
// that they run fast, and long against the scheduling hiccups of a loaded
// machine under -race.
const testThreshold = 50 * time.Millisecond

// stallLimit bounds every stall of these tests: a detector that never
// reports fails the test instead of hanging it.
const stallLimit = 10 * time.Second

// blockingReports collects the blocking detector's reports. The handler
// runs on the detector's goroutine while the hub is stuck, so the stalling
// greenlet polls it through got, under the mutex.
type blockingReports struct {
	mu   sync.Mutex
	all  []*BlockingError
	news chan struct{} // one token per report
}

// watchBlocking makes h report stalls longer than testThreshold to the
// returned collector; other reports are ignored.
func watchBlocking(h *Hub) *blockingReports {
	r := &blockingReports{news: make(chan struct{}, 100)}
	h.SetErrorHandler(func(err error) {
		be, ok := err.(*BlockingError)
		if !ok {
			return
		}
		r.mu.Lock()
		r.all = append(r.all, be)
		r.mu.Unlock()
		r.news <- struct{}{}
	})
	h.SetBlockingThreshold(testThreshold)
	return r
}

// of returns the reports that blame greenlet name.
func (r *blockingReports) of(name string) []*BlockingError {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*BlockingError
	for _, be := range r.all {
		if be.Greenlet == name {
			out = append(out, be)
		}
	}
	return out
}

// count is how many reports blame name.
func (r *blockingReports) count(name string) int { return len(r.of(name)) }

// stallCPU keeps the calling greenlet busy without switching until a new
// report blames name, then for linger more: a detector that reported the
// same stall twice would do it within that time.
//
//go:noinline
func stallCPU(r *blockingReports, name string, linger time.Duration) {
	before := r.count(name)
	limit := time.Now().Add(stallLimit)
	for r.count(name) == before && time.Now().Before(limit) {
	}
	for end := time.Now().Add(linger); time.Now().Before(end); {
	}
}

// stallBlocked blocks the calling greenlet in a plain Go channel receive
// (a call the hub cannot see, like a blocking syscall) until a new report
// blames name, then for linger more.
//
//go:noinline
func stallBlocked(r *blockingReports, name string, linger time.Duration) {
	before := r.count(name)
	limit := time.After(stallLimit)
	for r.count(name) == before {
		select {
		case <-r.news:
		case <-limit:
			return
		}
	}
	time.Sleep(linger)
}

// checkOneReport asserts that exactly one report blamed name and that its
// stack shows the stalling function.
func checkOneReport(t *testing.T, r *blockingReports, name, stallFn string) {
	t.Helper()
	got := r.of(name)
	require.Len(t, got, 1, "one report per stall")
	be := got[0]
	assert.ErrorIs(t, be, ErrBlockingHub)
	assert.GreaterOrEqual(t, be.For, testThreshold)
	assert.Contains(t, be.Stack, stallFn)
	assert.Contains(t, be.Error(), stallFn, "the report's text carries the stack")
	assert.NotContains(t, be.Stack, "omitted")
}

func TestBlockingDetector(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		g := Go(func() error {
			busyUntil(time.Now().Add(150 * time.Millisecond))
			return nil
		})
		g.SetName("cpu-hog")
		require.NoError(t, g.Join(bg))
		// Sleeping in the loop's poll is not blocking.
		require.NoError(t, Sleep(bg, 3*testThreshold))
		h.SetBlockingThreshold(0)
		checkOneReport(t, r, "cpu-hog", "busyUntil")
	})
}

//go:noinline
func busyUntil(t time.Time) {
	for time.Now().Before(t) {
	}
}

// TestBlockingDetectorAfterSpawn: a greenlet that stalls as soon as it
// starts (from the hub's callback drain) is reported once.
func TestBlockingDetectorAfterSpawn(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		g := Go(func() error {
			stallCPU(r, "spawned", 2*testThreshold)
			return nil
		})
		g.SetName("spawned")
		require.NoError(t, g.Join(bg))
		checkOneReport(t, r, "spawned", "stallCPU")
	})
}

// TestBlockingDetectorAfterTimerWake: a greenlet woken by its sleep's timer
// (a watcher callback, dispatched inside the loop's run) that then blocks
// in a call the hub cannot see is reported once.
func TestBlockingDetectorAfterTimerWake(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		g := Go(func() error {
			if err := Sleep(bg, time.Millisecond); err != nil {
				return err
			}
			stallBlocked(r, "sleeper", 2*testThreshold)
			return nil
		})
		g.SetName("sleeper")
		require.NoError(t, g.Join(bg))
		require.NoError(t, g.Err())
		checkOneReport(t, r, "sleeper", "stallBlocked")
	})
}

// TestBlockingDetectorCPUAfterTimerWake: the same with a CPU loop.
func TestBlockingDetectorCPUAfterTimerWake(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		g := Go(func() error {
			if err := Sleep(bg, time.Millisecond); err != nil {
				return err
			}
			stallCPU(r, "looper", 2*testThreshold)
			return nil
		})
		g.SetName("looper")
		require.NoError(t, g.Join(bg))
		require.NoError(t, g.Err())
		checkOneReport(t, r, "looper", "stallCPU")
	})
}

// TestBlockingDetectorAfterSocketRead: a greenlet woken by an io watcher
// (what a socket read waits on) that then stalls is reported once.
func TestBlockingDetectorAfterSocketRead(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		defer syscall.Close(fds[0])
		defer syscall.Close(fds[1])
		g := Go(func() error {
			k := NewWaker()
			io, err := h.Loop().NewIO(fds[0], cev.EV_READ, func(_ *cev.IO, rev int) { k.Fire(rev) })
			if err != nil {
				return err
			}
			defer io.Close()
			if _, err := h.Wait(bg, io, k, "read"); err != nil {
				return err
			}
			var buf [8]byte
			if _, err := syscall.Read(fds[0], buf[:]); err != nil {
				return err
			}
			stallCPU(r, "reader", 2*testThreshold)
			return nil
		})
		g.SetName("reader")
		require.NoError(t, Sleep(bg, 0))
		_, err = syscall.Write(fds[1], []byte("x"))
		require.NoError(t, err)
		require.NoError(t, g.Join(bg))
		require.NoError(t, g.Err())
		checkOneReport(t, r, "reader", "stallCPU")
	})
}

// TestBlockingDetectorMainAfterSleep: the main greenlet woken from a Sleep
// that then stalls is reported once, with main's own stack.
func TestBlockingDetectorMainAfterSleep(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		require.NoError(t, Sleep(bg, time.Millisecond))
		stallBlocked(r, "main", 2*testThreshold)
		require.NoError(t, Sleep(bg, 0))
		checkOneReport(t, r, "main", "stallBlocked")
		assert.Contains(t, r.of("main")[0].Stack, "TestBlockingDetectorMainAfterSleep")
	})
}

// TestBlockingReportOrderedWithTheHub is the handler's contract under
// -race: the detector calls it at once, from its own goroutine, while a
// greenlet is stuck in an endless loop (the loop ends only when the report
// arrived), and never alongside the hub's own reports; what the handler
// writes, even after it signalled, is visible to greenlets without a lock
// because the stuck greenlet waits at its next switch until the handler
// returned. Without that wait, the race detector flags the plain
// variables.
func TestBlockingReportOrderedWithTheHub(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var (
			inside   atomic.Int32
			overlaps int
			arrived  atomic.Bool
			blocking []*BlockingError // plain: written by the handler only
			others   []error
			finished int // written after arrived is set
		)
		h.SetErrorHandler(func(err error) {
			if inside.Add(1) != 1 {
				overlaps++
			}
			defer inside.Add(-1)
			if be, ok := err.(*BlockingError); ok {
				blocking = append(blocking, be)
				arrived.Store(true)
				// Widen the window in which the stuck greenlet, released
				// by arrived, reaches its switch while this call runs.
				busyUntil(time.Now().Add(5 * time.Millisecond))
				finished++
				return
			}
			others = append(others, err)
		})
		h.SetBlockingThreshold(testThreshold)
		errFail := errors.New("fails")
		var failers []*Greenlet[struct{}]
		for range 20 {
			failers = append(failers, Go(func() error {
				if err := Sleep(bg, time.Millisecond); err != nil {
					return err
				}
				return errFail
			}))
		}
		stuck := Go(func() error {
			limit := time.Now().Add(stallLimit)
			for !arrived.Load() && time.Now().Before(limit) {
			}
			return nil
		})
		stuck.SetName("stuck")
		require.NoError(t, stuck.Join(bg))
		// Read before the failers report: only the stuck greenlet's switch
		// orders this read after the handler's writes.
		finishedAtJoin := finished
		_, _ = JoinAll(bg, failers)
		require.NoError(t, Sleep(bg, 0))
		h.SetBlockingThreshold(0)
		assert.True(t, arrived.Load(), "the report came out while the greenlet was stuck")
		assert.Zero(t, overlaps)
		assert.NotEmpty(t, blocking)
		assert.Equal(t, len(blocking), finishedAtJoin)
		assert.Len(t, others, 20)
	})
}

// TestBlockingDetectorHubCallback: a callback that runs long on the hub
// greenlet, outside the loop's poll, is reported as the hub, with the
// hub's stack.
func TestBlockingDetectorHubCallback(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		h.RunCallback(func() { stallCPU(r, "hub", 2*testThreshold) })
		require.NoError(t, Sleep(bg, 0))
		checkOneReport(t, r, "hub", "stallCPU")
	})
}

// TestBlockingDetectorIdleAfterGoexitTiming: a greenlet whose body ends
// with runtime.Goexit hands the hub back as one that returns: the hub's
// poll after it is not a stall. Timing: the poll lasts four thresholds,
// which a detector that still saw the dead greenlet running reports.
func TestBlockingDetectorIdleAfterGoexitTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		Go(func() error {
			if err := Sleep(bg, time.Millisecond); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
		require.NoError(t, Sleep(bg, 4*testThreshold))
		h.SetBlockingThreshold(0)
		r.mu.Lock()
		defer r.mu.Unlock()
		assert.Empty(t, r.all)
	})
}

// TestBlockingReportAfterTheStallGoesThroughTheHub: a report whose stall
// ended while its stack was taken is delivered on the hub, not from the
// detector's goroutine; after Destroy it is dropped.
func TestBlockingReportAfterTheStallGoesThroughTheHub(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	var got []error
	h.SetErrorHandler(func(err error) { got = append(got, err) })
	moved := stall{h: h, word: h.running.Load() + 1, iter: h.wd.iter.Load(), name: "gone", since: time.Second}
	done := make(chan struct{})
	go func() { moved.report(); close(done) }()
	<-done
	assert.Empty(t, got, "not called from the detector once the hub moved on")
	pollHub(t, func() bool { return len(got) == 1 })
	var be *BlockingError
	require.ErrorAs(t, got[0], &be)
	assert.Equal(t, "gone", be.Greenlet)
	require.NoError(t, h.Destroy())
	stale := stall{h: h, word: h.running.Load(), iter: h.wd.iter.Load(), name: "late"}
	stale.report()
	assert.Len(t, got, 1, "dropped after Destroy")
}

// TestStackBudget: with the capture budget spent, a report says so instead
// of taking a stack, and the budget refills with time.
func TestStackBudget(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		dumpBudget.Lock()
		saved := dumpBudget.left
		dumpBudget.left, dumpBudget.at = -time.Millisecond, time.Now()
		dumpBudget.Unlock()
		defer func() {
			dumpBudget.Lock()
			dumpBudget.left = saved
			dumpBudget.Unlock()
		}()
		assert.Contains(t, h.budgetedStack(h.mainC), "stack omitted")
		dumpBudget.Lock()
		dumpBudget.at = time.Now().Add(-time.Second) // a second of refill
		dumpBudget.Unlock()
		assert.Contains(t, h.budgetedStack(h.mainC), "TestStackBudget")
	})
}

// TestBlockingDetectorSurvivesAnEscapingHandler: an error handler that
// panics or calls runtime.Goexit (t.FailNow does) while the detector
// reports a stall ends only that report: the escape is reported on the hub
// and the detector goes on, reporting the next stall. Before, the panic
// crashed the program from the detector's goroutine and the Goexit ended
// that goroutine, so no stall was reported again.
func TestBlockingDetectorSurvivesAnEscapingHandler(t *testing.T) {
	for _, tc := range []struct {
		name   string
		escape func()
		is     error
	}{
		{"panic", func() { panic("handler boom") }, nil},
		{"Goexit", runtime.Goexit, ErrGoexit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				r := &blockingReports{news: make(chan struct{}, 100)}
				var others []error // reported on the hub
				h.SetErrorHandler(func(err error) {
					be, ok := err.(*BlockingError)
					if !ok {
						others = append(others, err)
						return
					}
					r.mu.Lock()
					r.all = append(r.all, be)
					n := len(r.all)
					r.mu.Unlock()
					if n == 1 {
						tc.escape()
					}
				})
				h.SetBlockingThreshold(testThreshold)
				require.NoError(t, Sleep(bg, time.Millisecond)) // the hub's loop runs
				stallCPU(r, "main", 0)
				require.NoError(t, Sleep(bg, time.Millisecond)) // a new stall
				stallCPU(r, "main", 0)
				h.SetBlockingThreshold(0)
				require.Len(t, r.of("main"), 2, "the detector reported the stall after the escape")
				pollHub(t, func() bool { return len(others) > 0 })
				require.Len(t, others, 1, "the escape, reported once")
				var pe *PanicError
				require.ErrorAs(t, others[0], &pe)
				assert.Contains(t, others[0].Error(), "error handler")
				if tc.is != nil {
					assert.ErrorIs(t, others[0], tc.is)
				} else {
					assert.Equal(t, "handler boom", pe.Value)
				}
			})
		})
	}
}
