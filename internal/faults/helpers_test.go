package faults

import (
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// reports collects what a hub hands its error handler. The blocking detector
// reports from its own goroutine, hence the mutex.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) add(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *reports) all() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// loopState is what a hub's loop looks like from outside: the figures a
// fault must leave as it found them.
type loopState struct {
	live            int // started greenlets not yet dead
	pendingCBs      int // run_callback entries queued
	pendingWatchers int // watchers with an undispatched event
	active          int // libev's activecnt: referenced active watchers
	fds             int // open file descriptors of the process
}

// probe reads the loop state from the main greenlet. Sleep(0) first lets
// callbacks already queued (link notifications, deferred switches) run.
func probe(t *testing.T, h *scheduler.Hub) loopState {
	t.Helper()
	require.NoError(t, scheduler.Sleep(bg, 0))
	loop := h.Loop()
	st := h.Stats()
	return loopState{
		live:            st.LiveGreenlets,
		pendingCBs:      st.PendingCallbacks,
		pendingWatchers: loop.PendingCount(),
		active:          loop.ActiveCount(),
		fds:             openFDs(t),
	}
}

// waitIdle probes until the loop is back at base: some faults (a
// RunBlocking whose function returns later) settle through a Post.
func waitIdle(t *testing.T, h *scheduler.Hub, base loopState) {
	t.Helper()
	var st loopState
	pollUntil(t, func() bool { st = probe(t, h); return st == base })
	assert.Equal(t, base, st, "loop state back to its baseline")
}

// pollUntil runs the hub (1 ms sleeps) until cond holds or 5 s pass, and
// reports whether it held; cond runs on the hub, so it may read hub state.
func pollUntil(t *testing.T, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
	}
	return true
}

// pollerOnce opens the Go runtime's network poller (an epoll fd and an
// eventfd, kept for the life of the process) before the first fd count.
// Otherwise the first pollable fd a test makes (a pipe, a socket's Shared
// form) opens it, and the count taken before reads as a leak.
var pollerOnce sync.Once

// openFDs counts the process's open fds, with the runtime poller's included.
func openFDs(t *testing.T) int {
	t.Helper()
	pollerOnce.Do(func() {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.NoError(t, w.Close())
	})
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// withHub runs fn on a new hub of the test goroutine with reports captured, then
// checks the loop is back to its idle baseline, destroys the hub and checks
// no goroutine (coroutine, RunBlocking worker, watchdog) outlived it.
func withHub(t *testing.T, fn func(h *scheduler.Hub, r *reports)) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	h, err := scheduler.NewHub()
	require.NoError(t, err)
	r := &reports{}
	h.SetErrorHandler(r.add)
	// A loaded machine (race detector, parallel builds) can stall a
	// greenlet past the default threshold; tests about the detector set it
	// back themselves.
	h.SetBlockingThreshold(2 * time.Second)
	destroyed := false
	defer func() {
		if !destroyed {
			_ = h.Destroy()
		}
	}()
	base := probe(t, h)
	assert.Zero(t, base.active, "an idle hub has no referenced active watcher")
	assert.Zero(t, base.live)
	fn(h, r)
	waitIdle(t, h, base)
	destroyed = true
	require.NoError(t, h.Destroy())
	goleak.VerifyNone(t, before)
}

// bystander is a greenlet that minds its own business while a fault happens
// next to it: it sleeps n times and returns how many rounds it completed.
func bystander(n int) *scheduler.Greenlet[int] {
	g := scheduler.Spawn(func() (int, error) {
		for i := range n {
			if err := scheduler.Sleep(bg, time.Millisecond); err != nil {
				return i, err
			}
		}
		return n, nil
	})
	g.SetName("bystander")
	return g
}

// checkBystander asserts the bystander lost no round to the fault.
func checkBystander(t *testing.T, g *scheduler.Greenlet[int], n int) {
	t.Helper()
	v, err := g.Get(bg)
	require.NoError(t, err)
	assert.Equal(t, n, v, "bystander completed every round")
}

func socketpair(t *testing.T) [2]int {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	return fds
}

//go:noinline
func busyFor(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
	}
}

//go:noinline
func panicHere(v any) {
	panic(v)
}

// TestProbeSeesLeftovers shows the probe can tell: a sleeping greenlet, a
// KeepAlive and a queued callback each move it off the idle baseline.
func TestProbeSeesLeftovers(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		base := probe(t, h)

		g := scheduler.Go(func() error { return scheduler.Sleep(bg, time.Hour) })
		st := probe(t, h)
		assert.Equal(t, base.active+1, st.active, "a sleep timer is an active watcher")
		assert.Equal(t, base.live+1, st.live)
		require.NoError(t, g.Kill(bg, nil))
		assert.Equal(t, base, probe(t, h))

		release, err := h.KeepAlive()
		require.NoError(t, err)
		assert.Equal(t, base.active+1, probe(t, h).active, "KeepAlive holds a loop reference")
		release()

		fds := socketpair(t)
		st = probe(t, h)
		assert.Equal(t, base.fds+2, st.fds)
		require.NoError(t, syscall.Close(fds[0]))
		require.NoError(t, syscall.Close(fds[1]))
		assert.Equal(t, base, probe(t, h))
	})
}
