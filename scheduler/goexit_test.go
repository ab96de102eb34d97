package scheduler

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goexitRoute is a way for a greenlet's code to end in or under a
// runtime.Goexit: escape runs it, and want is the value of the *PanicError
// the greenlet's parent or the error handler gets (nil: ErrGoexit).
type goexitRoute struct {
	name   string
	escape func()
	want   any
}

var goexitRoutes = []goexitRoute{
	{"Goexit", func() { runtime.Goexit() }, nil},
	{"panic in a defer during Goexit", func() {
		defer func() { panic("x") }()
		runtime.Goexit()
	}, "x"},
	{"Goexit during a panic", func() {
		defer runtime.Goexit()
		panic("x")
	}, nil},
	{"two panics in defers during Goexit", func() {
		defer func() { panic("b") }()
		defer func() { panic("a") }()
		runtime.Goexit()
	}, "b"},
	{"recovered panic during Goexit", func() {
		defer func() { _ = recover() }()
		defer func() { panic("a") }()
		runtime.Goexit()
	}, nil},
}

// checkEscape checks that err is the *PanicError route r leaves.
func checkEscape(t *testing.T, r goexitRoute, err error) {
	t.Helper()
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	if r.want == nil {
		assert.ErrorIs(t, err, ErrGoexit)
		return
	}
	assert.Equal(t, r.want, pe.Value)
	assert.NotErrorIs(t, err, ErrGoexit)
}

// Whatever a greenlet's deferred calls do while it unwinds from (or into) a
// runtime.Goexit, the greenlet alone ends: its parent gets the *PanicError
// of the last escape, the worker's end hands the hub back to the hub (so
// that the blocking detector and AssertSwitches do not take the hub's time
// after it for the dead greenlet's), and the hub goes on spawning. The
// same holds for a Link callback, which runs on a worker too, and for a
// SpawnRaw body. Before, a task or a link that recovered a panic raised
// under a pending Goexit took it for a plain panic and did not end into
// the hub: the callbacks the hub ran next still ran under the dead worker's
// name.
func TestEscapeUnderGoexitEndsIntoTheHub(t *testing.T) {
	kinds := []struct {
		name string
		run  func(t *testing.T, h *Hub, r goexitRoute, escape func())
	}{
		{"Spawn", spawnEscape},
		{"Link", linkEscape},
		{"SpawnRaw", rawEscape},
	}
	for _, k := range kinds {
		for _, r := range goexitRoutes {
			t.Run(k.name+"/"+r.name, func(t *testing.T) {
				withHub(t, func(h *Hub, _ *bytes.Buffer) {
					onHub := make(chan bool, 1)
					escape := func() {
						// Runs in the drain after the greenlet's end.
						_, err := h.RunCallback(func() {
							onHub <- uint32(h.running.Load()) == uint32(h.hubC.goid.Load())
						})
						require.NoError(t, err)
						r.escape()
					}
					k.run(t, h, r, escape)
					pollHub(t, func() bool { return len(onHub) == 1 })
					assert.True(t, <-onHub, "the hub ran under the dead greenlet's name")
					// The hub goes on, on workers that work.
					for i := range 3 {
						v, err := Spawn(func() (int, error) { return i, nil }).Get(within(t, 10*time.Second))
						require.NoError(t, err)
						assert.Equal(t, i, v)
					}
				})
			})
		}
	}
}

func spawnEscape(t *testing.T, _ *Hub, r goexitRoute, escape func()) {
	deferred := false
	g := Go(func() error {
		defer func() { deferred = true }()
		escape()
		return nil
	})
	err := g.Join(within(t, 10*time.Second))
	require.NoError(t, err)
	assert.True(t, deferred)
	checkEscape(t, r, g.Err())
	_, err = g.Get(bg)
	checkEscape(t, r, err)
}

func linkEscape(t *testing.T, h *Hub, r goexitRoute, escape func()) {
	var reports []error
	h.SetErrorHandler(func(err error) { reports = append(reports, err) })
	// No Join: main, woken by it, would switch before the check ran.
	g := Go(func() error { return nil })
	g.Link(func(Linkable) { escape() })
	pollHub(t, func() bool { return len(reports) == 1 })
	var se *Error
	require.ErrorAs(t, reports[0], &se)
	assert.Equal(t, "link", se.Op)
	checkEscape(t, r, reports[0])
}

func rawEscape(t *testing.T, h *Hub, r goexitRoute, escape func()) {
	var reports []error
	h.SetErrorHandler(func(err error) { reports = append(reports, err) })
	g, err := SpawnRaw(func() error {
		escape()
		return nil
	})
	require.NoError(t, err)
	pollHub(t, func() bool { return g.Dead() })
	require.NoError(t, Sleep(bg, 0))
	require.Len(t, reports, 1)
	var ge *GreenletError
	require.ErrorAs(t, reports[0], &ge)
	checkEscape(t, r, reports[0])
	assert.False(t, errors.Is(reports[0], ErrGreenletExit))
}

// After a greenlet whose deferred call panicked under a runtime.Goexit
// ended, the hub's idle poll is the hub's, not a stall of the dead worker:
// the blocking detector reports nothing. Timing-sensitive: it lets the hub
// poll idle for four thresholds.
func TestBlockingDetectorIdleAfterPanicUnderGoexitTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		g := Go(func() error {
			defer func() { panic("x") }()
			runtime.Goexit()
			return nil
		})
		// Not joined: main, woken by the join, would switch after the end.
		require.NoError(t, Sleep(bg, 4*testThreshold))
		h.SetBlockingThreshold(0)
		r.mu.Lock()
		defer r.mu.Unlock()
		assert.Empty(t, r.all)
		assert.True(t, g.Dead())
	})
}

// The error handler hears of a greenlet's failure in that greenlet, as
// gevent's handle_error runs in it, whatever ended the body: GetCurrent is
// the greenlet, and a panic of the handler there is named after it. Before,
// a body that ended in a runtime.Goexit (recover returning nil) was
// reported after the worker had let go of it: GetCurrent was nil, and the
// handler's panic was named after the worker.
func TestGreenletEscapeIsReportedInTheGreenlet(t *testing.T) {
	routes := append([]goexitRoute{{"panic", func() { panic("x") }, "x"}}, goexitRoutes...)
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				var current []Runnable
				var reports []error
				h.SetErrorHandler(func(err error) {
					reports = append(reports, err)
					current = append(current, GetCurrent())
					if len(reports) == 1 {
						panic("handler")
					}
				})
				g := Go(func() error {
					r.escape()
					return nil
				})
				require.NoError(t, g.Join(within(t, 10*time.Second)))
				checkEscape(t, r, g.Err())
				pollHub(t, func() bool { return len(reports) == 2 })
				require.NotNil(t, current[0], "GetCurrent in the handler")
				assert.Equal(t, g.Name(), current[0].Name())
				assert.Contains(t, reports[1].Error(), "switch into "+g.Name()+":")
				assert.Contains(t, reports[1].Error(), "panic: handler")
			})
		})
	}
}
