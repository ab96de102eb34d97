package scheduler

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/testproc"
)

// TestPanicNilIsReportedAsAPanic: under GODEBUG=panicnil=1, recover returns
// nil for panic(nil), as for a runtime.Goexit, but stops the panic, so the
// function that recovered returns to its caller. Each guard of the hub, of
// the links and of a greenlet's body tells the two apart by that: a
// panic(nil) is reported as a panic whose value is nil, under the op a
// panic there gets, and the hub goes on. Before, every one of them took it
// for a Goexit: a callback's and a Rawlink function's went unreported (drain
// and callLink report only what recover returns), a watcher callback's, a
// greenlet body's, a Link's, a SpawnRaw body's and the error handler's were
// reported as a Goexit, and RunBlocking returned a nil error. GODEBUG is
// read at start-up, so the test runs in a child process (testproc).
func TestPanicNilIsReportedAsAPanic(t *testing.T) {
	if !testproc.PanicNilChild(t) {
		return
	}
	for _, tc := range panicNilCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				var reports []error
				h.SetErrorHandler(func(err error) {
					reports = append(reports, err)
					if tc.handler != nil {
						tc.handler(len(reports))
					}
				})
				err := tc.trigger(t, h)
				requireHubServes(t, 1)
				if tc.returned {
					checkNilPanic(t, err, tc.op)
					assert.Empty(t, reports)
					return
				}
				require.Len(t, reports, tc.reports, "%v", reports)
				checkNilPanic(t, reports[tc.reports-1], tc.op)
				if tc.op == "" {
					var ge *GreenletError
					assert.ErrorAs(t, reports[tc.reports-1], &ge)
				}
			})
		})
	}
}

// panicNilCase is one place a panic(nil) can come from: trigger raises it
// and returns what a call returned for it.
type panicNilCase struct {
	name     string
	trigger  func(t *testing.T, h *Hub) error
	handler  func(n int) // called by the error handler at its nth report
	op       string      // the *Error's Op; "": a *GreenletError, or what the call returned
	reports  int         // how many reports; the last is the panic's
	returned bool        // the panic comes back from the call, not reported
}

func panicNilCases(t *testing.T) []panicNilCase {
	boom := func() { panic(nil) }
	var current Runnable // GetCurrent in the handler
	return []panicNilCase{
		{name: "RunCallback", op: "callback", reports: 1, trigger: func(t *testing.T, h *Hub) error {
			_, err := h.RunCallback(boom)
			require.NoError(t, err)
			return nil
		}},
		{name: "Post", op: "callback", reports: 1, trigger: func(t *testing.T, h *Hub) error {
			require.NoError(t, h.Post(boom))
			return nil
		}},
		{name: "watcher", op: "callback", reports: 1, trigger: func(t *testing.T, h *Hub) error {
			tm, err := h.Loop().NewTimer(0, 0, func(w *cev.Timer, _ int) {
				w.Close()
				boom()
			})
			require.NoError(t, err)
			require.NoError(t, tm.Start())
			return nil
		}},
		{name: "Rawlink", op: "link of Greenlet-1", reports: 1, trigger: func(t *testing.T, _ *Hub) error {
			g := Go(func() error { return nil })
			g.Rawlink(func(Linkable) { boom() })
			next := false
			g.Rawlink(func(Linkable) { next = true })
			require.NoError(t, g.Join(within(t, 5*time.Second)))
			assert.True(t, next, "the link after it ran")
			return nil
		}},
		{name: "Link", op: "link", reports: 1, trigger: func(t *testing.T, _ *Hub) error {
			g := Go(func() error { return nil })
			g.Link(func(Linkable) { boom() })
			require.NoError(t, g.Join(within(t, 5*time.Second)))
			return nil
		}},
		{name: "greenlet body", reports: 1, handler: func(int) { current = GetCurrent() }, trigger: func(t *testing.T, _ *Hub) error {
			g := Go(func() error { boom(); return nil })
			require.NoError(t, g.Join(within(t, 5*time.Second)))
			checkNilPanic(t, g.Err(), "")
			require.NotNil(t, current, "the handler runs in the greenlet")
			assert.Equal(t, g.Name(), current.Name())
			return nil
		}},
		{name: "SpawnRaw", reports: 1, trigger: func(t *testing.T, _ *Hub) error {
			g, err := SpawnRaw(func() error { boom(); return nil })
			require.NoError(t, err)
			pollHub(t, g.Dead)
			return nil
		}},
		{name: "RunBlocking", returned: true, trigger: func(t *testing.T, _ *Hub) error {
			_, err := RunBlocking(within(t, 5*time.Second), func() (int, error) { boom(); return 1, nil })
			return err
		}},
		{name: "error handler", op: "error handler", reports: 2, handler: func(n int) {
			if n == 1 {
				boom()
			}
		}, trigger: func(t *testing.T, h *Hub) error {
			require.NoError(t, h.Post(runtime.Goexit))
			return nil
		}},
	}
}

// checkNilPanic checks that err is the report of a panic(nil): a
// *PanicError whose value is nil, not a Goexit, in an *Error naming op
// (unless op is "").
func checkNilPanic(t *testing.T, err error, op string) {
	t.Helper()
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.Nil(t, pe.Value, "%v", err)
	assert.NotErrorIs(t, err, ErrGoexit)
	assert.NotEmpty(t, pe.Stack)
	if op == "" {
		return
	}
	var e *Error
	require.ErrorAs(t, err, &e, "%v", err)
	assert.Equal(t, op, e.Op)
}

// TestBlockingDetectorHandlerPanicNilTiming: under GODEBUG=panicnil=1 an error
// handler's panic(nil) while the blocking detector reports a stall is
// reported on the hub as a panic, not as a runtime.Goexit. Timing-sensitive:
// it stalls the hub past the detector's threshold.
func TestBlockingDetectorHandlerPanicNilTiming(t *testing.T) {
	if !testproc.PanicNilChild(t) {
		return
	}
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
				panic(nil)
			}
		})
		h.SetBlockingThreshold(testThreshold)
		require.NoError(t, Sleep(bg, time.Millisecond)) // the hub's loop runs
		stallCPU(r, "main", 0)
		h.SetBlockingThreshold(0)
		require.Len(t, r.of("main"), 1)
		pollHub(t, func() bool { return len(others) > 0 })
		require.Len(t, others, 1, "the escape, reported once")
		checkNilPanic(t, others[0], "error handler")
	})
}
