package scheduler

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// burst spawns n greenlets that each Sleep(bg, 0) once, so that all n are alive
// at the same time, and joins them.
func burst(t *testing.T, n int) {
	t.Helper()
	gs := make([]*Greenlet[struct{}], n)
	for i := range gs {
		gs[i] = Go(func() error { return Sleep(bg, 0) })
	}
	for _, g := range gs {
		require.NoError(t, g.Join(bg))
		require.NoError(t, g.Err())
	}
}

// inuse collects garbage and returns heap+stack in use.
func inuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// warmGoroutines runs n goroutines at once: the runtime never frees a
// goroutine's g struct, so warming its free list before a baseline keeps
// the g structs of a burst of workers out of the comparison.
func warmGoroutines(n int) {
	release := make(chan struct{})
	var started, exited sync.WaitGroup
	started.Add(n)
	exited.Add(n)
	for range n {
		go func() {
			defer exited.Done()
			started.Done()
			<-release
		}()
	}
	started.Wait()
	close(release)
	exited.Wait()
}

func TestPoolKeepsBurstBeyondOldCap(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		h.setTrimInterval(time.Hour)
		burst(t, 3000)
		assert.Equal(t, 3000, h.IdleWorkers())
		// The second burst reuses every worker of the first.
		burst(t, 3000)
		assert.Equal(t, 3000, h.IdleWorkers())
		assert.True(t, h.pool.trimOn)
	})
}

func TestPoolTrimGivesMemoryBack(t *testing.T) {
	n := 100_000
	if raceEnabled {
		n = 20_000
	}
	const mib = 1 << 20
	warmGoroutines(n + 1000)
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		h.SetBlockingThreshold(0)
		// No pass during the burst: the peak is measured whole.
		h.setTrimInterval(time.Hour)
		base := inuse()
		burst(t, n)
		require.Equal(t, n, h.IdleWorkers())
		held := inuse()
		t.Logf("base %.1f MiB, held after a %d burst %.1f MiB", float64(base)/mib, n, float64(held)/mib)
		require.Greater(t, held, base+32*mib, "a burst of idle workers holds their stacks")

		h.setTrimInterval(time.Millisecond)
		passes := 0
		for passes < 1000 && h.IdleWorkers() > minIdleWorkers {
			require.NoError(t, Sleep(bg, time.Millisecond))
			passes++
		}
		assert.LessOrEqual(t, h.IdleWorkers(), minIdleWorkers)
		assert.False(t, h.pool.trimOn, "the trim timer stops once the pool is small")
		after := inuse()
		t.Logf("after trimming (%d sleeps): %.1f MiB", passes, float64(after)/mib)
		// Generous: the runtime keeps some stack and span caches.
		assert.Less(t, after, base+(held-base)/4)
	})
}

func TestPoolTrimTimerDoesNotKeepLoopAlive(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		burst(t, 2*minIdleWorkers)
		require.True(t, h.pool.trimOn)
		require.True(t, h.pool.timer.IsActive())
		// Nothing but the unref'd trim timer is left: Join returns at once
		// and a bare wait gets LoopExit.
		start := time.Now()
		require.NoError(t, h.Join(bg))
		_, err := NewWaiter("").Get(bg)
		require.ErrorIs(t, err, ErrLoopExit)
		assert.Less(t, time.Since(start), defaultTrimInterval/2)
		assert.Equal(t, 2*minIdleWorkers, h.IdleWorkers())
	})
}

func TestPoolTrimKeepsBusyWorkersAndRecurringBursts(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		h.setTrimInterval(time.Hour)
		burst(t, 4*minIdleWorkers)
		// Use half of the pool between passes: only the other half was
		// idle since the last pass, and a pass ends half of what is
		// beyond the floor.
		h.pool.low = len(h.pool.idle)
		burst(t, 2*minIdleWorkers)
		h.RunCallback(h.trimPass)
		require.NoError(t, Sleep(bg, 0))
		idleAll := 2 * minIdleWorkers // idle since the "last pass"
		want := 4*minIdleWorkers - (idleAll-minIdleWorkers+1)/2
		assert.Equal(t, want, h.IdleWorkers())
		// The next burst is served from the pool.
		burst(t, want)
		assert.Equal(t, want, h.IdleWorkers())
	})
}

func TestPoolDestroyEndsIdleAndDyingWorkers(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	h.setTrimInterval(time.Hour)
	burst(t, 4*trimChunk+minIdleWorkers)
	// A pass that queued more chunks than it ended, then Destroy: every
	// worker, idle or dying, ends (goleak in TestMain checks).
	h.pool.low = len(h.pool.idle)
	h.RunCallback(h.trimPass)
	require.NoError(t, Sleep(bg, 0))
	require.NotEmpty(t, h.pool.dying)
	require.True(t, h.pool.dyingQueue)
	require.NoError(t, h.Destroy())
	assert.Equal(t, 0, h.IdleWorkers())
}

// TestPoolReusesDyingWorkers: a burst that arrives while a trim pass is
// still ending workers takes the condemned ones back instead of creating
// new coroutines beside them.
func TestPoolReusesDyingWorkers(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		h.setTrimInterval(time.Hour)
		burst(t, 8*trimChunk+minIdleWorkers)
		h.pool.low = len(h.pool.idle)
		h.RunCallback(h.trimPass)
		require.NoError(t, Sleep(bg, 0))
		require.Greater(t, len(h.pool.dying), trimChunk, "a pass left more than one chunk dying")
		parked := runtime.NumGoroutine()
		n := h.IdleWorkers()
		var release []*Greenlet[struct{}]
		for range n {
			release = append(release, Go(func() error {
				_, err := NewWaiter("").Get(bg)
				return err
			}))
		}
		require.NoError(t, Sleep(bg, 0))
		assert.LessOrEqual(t, runtime.NumGoroutine(), parked, "the burst created coroutines while condemned ones were parked")
		require.NoError(t, KillAll(bg, release, nil))
	})
}
