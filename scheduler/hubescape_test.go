package scheduler

import (
	"bytes"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What escapes a callback the hub greenlet runs (a panic from a watcher
// callback, a runtime.Goexit from any callback) is reported, and the hub
// goes on: later waits wait, spawned greenlets run, links after a Rawlink
// that called Goexit still run, and Destroy returns nil. Before, the hub
// greenlet died of it: main's wait returned the raw greenlet's error, no
// handler heard of it, and every later wait switched to the dead hub and
// returned at once (a Sleep of 20 ms returned after microseconds). A
// watcher callback whose deferred call panicked while it unwound from
// runtime.Goexit ended the hub greenlet the same way until the hub went on
// from whatever Goexit left serve (keepServing): serve took the panic it
// recovered for a plain one and returned into the Goexit.
func TestWhatEscapesACallbackDoesNotEndTheHub(t *testing.T) {
	goexitTimer := func(h *Hub) {
		tm, err := h.Loop().NewTimer(0, 0, func(w *cev.Timer, _ int) {
			w.Close()
			runtime.Goexit()
		})
		require.NoError(t, err)
		require.NoError(t, tm.Start())
	}
	panicTimer := func(h *Hub) {
		tm, err := h.Loop().NewTimer(0, 0, func(w *cev.Timer, _ int) {
			w.Close()
			panic("watcher boom")
		})
		require.NoError(t, err)
		require.NoError(t, tm.Start())
	}
	// The panic is raised under the Goexit, which the runtime resumes once
	// serve's recover returns.
	panicUnderGoexitTimer := func(h *Hub) {
		tm, err := h.Loop().NewTimer(0, 0, func(w *cev.Timer, _ int) {
			defer func() { panic("watcher boom") }()
			w.Close()
			runtime.Goexit()
		})
		require.NoError(t, err)
		require.NoError(t, tm.Start())
	}
	cases := []struct {
		name    string
		trigger func(h *Hub)
		goexit  bool
	}{
		{"RunCallback Goexit", func(h *Hub) {
			_, err := h.RunCallback(runtime.Goexit)
			require.NoError(t, err)
		}, true},
		{"Post Goexit", func(h *Hub) { require.NoError(t, h.Post(runtime.Goexit)) }, true},
		{"Rawlink Goexit", func(h *Hub) {
			g := Go(func() error { return nil })
			g.Rawlink(func(Linkable) { runtime.Goexit() })
			next := false
			g.Rawlink(func(Linkable) { next = true })
			require.NoError(t, g.Join(within(t, 5*time.Second)))
			assert.True(t, next, "the link after the one that called Goexit ran")
		}, true},
		{"watcher Goexit", goexitTimer, true},
		{"watcher panic", panicTimer, false},
		{"watcher panic under Goexit", panicUnderGoexitTimer, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				var reports []error
				h.SetErrorHandler(func(err error) { reports = append(reports, err) })
				// Twice: a hub that goes on inside a Goexit's unwinding
				// survives another one.
				for round := 1; round <= 2; round++ {
					tc.trigger(h)
					pollHub(t, func() bool { return len(reports) == round })
					ran := false
					g := Go(func() error { ran = true; return nil })
					require.NoError(t, g.Join(within(t, 5*time.Second)))
					require.True(t, ran)
					start := time.Now()
					require.NoError(t, Sleep(bg, 20*time.Millisecond))
					require.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond, "the sleep waited")
				}
				require.Len(t, reports, 2)
				for _, err := range reports {
					var pe *PanicError
					require.ErrorAs(t, err, &pe)
					if tc.goexit {
						assert.ErrorIs(t, err, ErrGoexit)
					} else {
						assert.Equal(t, "watcher boom", pe.Value)
					}
					assert.Contains(t, err.Error(), "scheduler: callback: ")
				}
			})
		})
	}
}

// A Link callback (run in a greenlet of its own) that calls runtime.Goexit
// is reported as a panicking one is, as an *Error for "link" matching
// ErrGoexit. Before, nothing was reported.
func TestLinkGoexitReported(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var reports []error
		h.SetErrorHandler(func(err error) { reports = append(reports, err) })
		g := Go(func() error { return nil })
		ran := false
		g.Link(func(Linkable) {
			ran = true
			runtime.Goexit()
		})
		require.NoError(t, g.Join(bg))
		pollHub(t, func() bool { return ran })
		require.NoError(t, Sleep(bg, 0))
		require.Len(t, reports, 1)
		assert.ErrorIs(t, reports[0], ErrGoexit)
		var se *Error
		require.ErrorAs(t, reports[0], &se)
		assert.Equal(t, "link", se.Op)
	})
}

// After a Link callback ended with runtime.Goexit, the hub's idle poll is
// the hub's, not a stall of the dead worker: the blocking detector reports
// nothing. Timing-sensitive: it lets the hub poll idle for four thresholds.
func TestBlockingDetectorIdleAfterLinkGoexitTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		g := Go(func() error { return nil })
		g.Link(func(Linkable) { runtime.Goexit() })
		require.NoError(t, Sleep(bg, 4*testThreshold))
		h.SetBlockingThreshold(0)
		r.mu.Lock()
		defer r.mu.Unlock()
		assert.Empty(t, r.all)
	})
}

// The events libev dispatched in the same batch as the watcher callback a
// panic or a runtime.Goexit escaped from still run, and what they queue
// runs before the hub's next blocking poll, as the callbacks after a
// panicking RunCallback run in the same drain. Before, those events ran at
// the start of the next loop run, which then polled: the callback one of
// them queued waited for the next event (here a timer 10 s away), so the
// wait on it got its context's deadline.
func TestEventsAfterAnEscapingWatcherRunBeforeThePoll(t *testing.T) {
	for _, goexit := range []bool{false, true} {
		name := "panic"
		if goexit {
			name = "Goexit"
		}
		t.Run(name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				var reports []error
				h.SetErrorHandler(func(err error) { reports = append(reports, err) })
				// Keeps the loop alive, so the poll waits for it.
				far, err := h.Loop().NewTimer(10, 0, func(*cev.Timer, int) {})
				require.NoError(t, err)
				require.NoError(t, far.Start())
				defer far.Close()
				w := NewWaiter("queued by the second timer")
				escaped := false
				// Whichever of the two due timers runs first escapes; the
				// other queues the callback that wakes w.
				fire := func(tm *cev.Timer, _ int) {
					tm.Close()
					if !escaped {
						escaped = true
						if goexit {
							runtime.Goexit()
						}
						panic("watcher boom")
					}
					_, err := h.RunCallback(func() { w.Switch("woken") })
					assert.NoError(t, err)
				}
				for range 2 {
					tm, err := h.Loop().NewTimer(0, 0, fire)
					require.NoError(t, err)
					require.NoError(t, tm.Start())
				}
				v, err := w.Get(within(t, 5*time.Second))
				require.NoError(t, err)
				assert.Equal(t, "woken", v)
				require.Len(t, reports, 1)
				if goexit {
					assert.ErrorIs(t, reports[0], ErrGoexit)
				}
			})
		})
	}
}

// An error handler that panics while the hub reports what escaped a
// callback does not end the hub either: its panic is reported in turn, and
// a handler that panics on that too is left to stderr. Before, the
// handler's panic from the report of a watcher's panic ended the hub
// greenlet (main's Sleep returned its error, the next one at once), and
// from the report of a Goexit it made the goroutine that had switched to the
// hub Goexit too (the test's own goroutine). A panicking RunCallback
// survived a handler that panicked once. The handler's panic is reported
// under the op "error handler" whichever report it escaped: the one of a
// callback's or a Rawlink function's panic, which drain and callLink make
// without a guard of their own, was reported under "callback", as the
// recover that caught it could not tell it from the callback's.
func TestHandlerPanicWhileReportingAnEscape(t *testing.T) {
	triggers := append([]escapeTrigger{{"RunCallback panic", func(h *Hub) {
		_, err := h.RunCallback(func() { panic("callback boom") })
		require.NoError(t, err)
	}}, {"Rawlink panic", func(*Hub) {
		g := Go(func() error { return nil })
		g.Rawlink(func(Linkable) { panic("link boom") })
	}}}, escapeTriggers(t)...)
	for _, tc := range triggers {
		for _, panics := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s, handler panics %d times", tc.name, panics), func(t *testing.T) {
				withHub(t, func(h *Hub, _ *bytes.Buffer) {
					var reports []error
					h.SetErrorHandler(func(err error) {
						reports = append(reports, err)
						if len(reports) <= panics {
							panic(fmt.Sprintf("handler boom %d", len(reports)))
						}
					})
					tc.trigger(h)
					requireHubServes(t, 1)
					// The escape, then the handler's first panic (a
					// callback's is reported by drain first, its handler's
					// panic by serve; a Rawlink function's by callLink,
					// its handler's panic by drain); a panic while
					// reporting that one goes to stderr.
					require.GreaterOrEqual(t, len(reports), 2)
					require.LessOrEqual(t, len(reports), 3)
					assert.Contains(t, reports[1].Error(), "handler boom 1")
					// Reported by reportGuarded, which knows the handler
					// escaped, or by the recover that caught it from
					// drain's or callLink's report (Hub.reporting).
					var e *Error
					require.ErrorAs(t, reports[1], &e)
					assert.Equal(t, "error handler", e.Op, "the report names what escaped")
				})
			})
		}
	}
}

// A watcher whose callback panics (or calls runtime.Goexit) at each of its
// events does not keep the hub from its queued callbacks: they run between
// two of its escapes, as they run between two runs of the loop. Before, the
// non-blocking run of the loop that follows an escape came before the
// drain, met the watcher (still readable) and escaped again, so nothing
// queued ran until the watcher stopped itself, here after limit escapes.
func TestCallbacksRunBetweenEscapesOfAWatcher(t *testing.T) {
	const limit = 50
	for _, goexit := range []bool{false, true} {
		name := "panic"
		if goexit {
			name = "Goexit"
		}
		t.Run(name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				reports := 0
				h.SetErrorHandler(func(error) { reports++ })
				var p [2]int
				require.NoError(t, syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC))
				defer syscall.Close(p[0])
				defer syscall.Close(p[1])
				_, err := syscall.Write(p[1], []byte{1}) // readable for good
				require.NoError(t, err)
				w := NewWaiter("queued by the watcher's first escape")
				escapes, ranAt := 0, -1
				io, err := h.Loop().NewIO(p[0], cev.EV_READ, func(io *cev.IO, _ int) {
					escapes++
					if escapes == 1 {
						_, err := h.RunCallback(func() {
							ranAt = escapes
							_ = io.Stop()
							w.Switch("ran")
						})
						assert.NoError(t, err)
					}
					if escapes == limit {
						_ = io.Stop() // starved: end it
						return
					}
					if goexit {
						runtime.Goexit()
					}
					panic("watcher boom")
				})
				require.NoError(t, err)
				defer io.Close()
				require.NoError(t, io.Start())
				v, err := w.Get(within(t, 5*time.Second))
				require.NoError(t, err)
				assert.Equal(t, "ran", v)
				assert.Equal(t, 1, ranAt, "the callback ran after the first escape")
				assert.Equal(t, ranAt, reports)
			})
		})
	}
}

// An error handler that calls runtime.Goexit (t.FailNow does) while the hub
// reports what escaped one of its callbacks does not end the hub either: the
// handler's Goexit is reported in turn, one while reporting that goes to
// stderr, and the hub goes on from inside the unwinding. Before, the hub
// greenlet ended: main's Sleep returned the raw greenlet's error, the next
// one at once.
func TestHandlerGoexitWhileReportingAnEscape(t *testing.T) {
	triggers := escapeTriggers(t)
	for _, tc := range triggers {
		for _, goexits := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s, handler calls Goexit %d times", tc.name, goexits), func(t *testing.T) {
				withHub(t, func(h *Hub, _ *bytes.Buffer) {
					var reports []error
					h.SetErrorHandler(func(err error) {
						reports = append(reports, err)
						if len(reports) <= goexits {
							runtime.Goexit()
						}
					})
					tc.trigger(h)
					requireHubServes(t, 2)
					// The escape, then the handler's Goexit when it called
					// Goexit once; the second went to stderr.
					require.Len(t, reports, 2)
					assert.ErrorIs(t, reports[1], ErrGoexit)
				})
			})
		}
	}
}

// escapeTrigger makes something escape a callback of hub h.
type escapeTrigger struct {
	name    string
	trigger func(h *Hub)
}

// An error handler whose deferred call panics while the handler unwinds
// from runtime.Goexit, as it reports what escaped a callback, does not end
// the hub either: its panic is reported in turn and the hub goes on from
// inside the Goexit's unwinding. Before, reportGuarded took the panic it
// recovered for a plain one and returned into the Goexit, which ended the
// hub greenlet: main's Sleep returned the raw greenlet's error.
func TestHandlerPanicUnderGoexitWhileReportingAnEscape(t *testing.T) {
	for _, tc := range escapeTriggers(t) {
		t.Run(tc.name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				var reports []error
				h.SetErrorHandler(func(err error) {
					reports = append(reports, err)
					if len(reports) == 1 {
						defer func() { panic("handler boom") }()
						runtime.Goexit()
					}
				})
				tc.trigger(h)
				requireHubServes(t, 2)
				// The escape, then the handler's panic.
				require.Len(t, reports, 2)
				var pe *PanicError
				require.ErrorAs(t, reports[1], &pe)
				assert.Equal(t, "handler boom", pe.Value)
			})
		})
	}
}

// escapeTriggers are a watcher callback's panic and a posted callback's Goexit.
func escapeTriggers(t *testing.T) []escapeTrigger {
	return []escapeTrigger{
		{"watcher panic", func(h *Hub) {
			tm, err := h.Loop().NewTimer(0, 0, func(w *cev.Timer, _ int) {
				w.Close()
				panic("watcher boom")
			})
			require.NoError(t, err)
			require.NoError(t, tm.Start())
		}},
		{"Post Goexit", func(h *Hub) { require.NoError(t, h.Post(runtime.Goexit)) }},
	}
}

// requireHubServes checks that the calling greenlet's hub still serves after an escape: sleeps
// sleeps of 20 ms each wait their time, and a spawned greenlet runs.
func requireHubServes(t *testing.T, sleeps int) {
	for range sleeps {
		start := time.Now()
		require.NoError(t, Sleep(bg, 20*time.Millisecond))
		require.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond, "the sleep waited")
	}
	ran := false
	g := Go(func() error { ran = true; return nil })
	require.NoError(t, g.Join(within(t, 5*time.Second)))
	require.True(t, ran)
}

// A Rawlink function whose deferred call panics while it unwinds from
// runtime.Goexit does not cost the links after it: they run in a callback of
// their own, as after a plain Goexit of the link, and a Join waiting on the
// greenlet returns. Before, callLink took the panic it recovered for a plain
// one and returned into the Goexit, which ended notifyLinks: the links after
// it stayed queued on the greenlet for good and the Join ended at its
// context's deadline.
func TestRawlinkPanicUnderGoexitKeepsTheLinksAfterIt(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var reports []error
		h.SetErrorHandler(func(err error) { reports = append(reports, err) })
		g := Go(func() error { return nil })
		g.Rawlink(func(Linkable) {
			defer func() { panic("link boom") }()
			runtime.Goexit()
		})
		next := false
		g.Rawlink(func(Linkable) { next = true })
		require.NoError(t, g.Join(within(t, 5*time.Second)))
		assert.True(t, next, "the link after the one that panicked under Goexit ran")
		require.NotEmpty(t, reports)
		var pe *PanicError
		require.ErrorAs(t, reports[0], &pe)
		assert.Equal(t, "link boom", pe.Value)
		requireHubServes(t, 1)
	})
}

// After a Rawlink function that panics (a plain panic: the loop of links
// goes on), a link added to the dead greenlet is notified from a callback
// queued when it is added, behind those queued before, as in gevent
// 22.10, where this prints ['boom', 'second', 'callback', 'late link']:
//
//	g = gevent.spawn(lambda: None); g.rawlink(boom); g.rawlink(second)
//	while not g.ready(): gevent.sleep(0)
//	gevent.sleep(0)
//	hub.loop.run_callback(callback); g.rawlink(late_link)
//	gevent.sleep(0); gevent.sleep(0)
//
// Before, callLink left behind the callback it queues for the links after
// a panic in case a Goexit was pending under it, and the late link ran from
// it, ahead of the callback queued before it.
func TestPanickingLinkLeavesNoNotificationBehind(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		h.SetErrorHandler(func(error) {})
		var order []string
		g := Go(func() error { return nil })
		g.Rawlink(func(Linkable) { order = append(order, "boom"); panic("boom") })
		g.Rawlink(func(Linkable) { order = append(order, "second") })
		for !g.Ready() {
			require.NoError(t, Sleep(bg, 0))
		}
		require.NoError(t, Sleep(bg, 0))
		_, err := h.RunCallback(func() { order = append(order, "callback") })
		require.NoError(t, err)
		g.Rawlink(func(Linkable) { order = append(order, "late link") })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []string{"boom", "second", "callback", "late link"}, order)
	})
}

// A callback whose deferred call panics while it unwinds from
// runtime.Goexit is reported once, as that panic, whatever runs it: a
// RunCallback or Post callback (drain recovers the panic), a Rawlink
// function (callLink does) or a watcher callback (serve does). A plain
// panic recovered there before does not hide a later Goexit: that is still
// reported. Before, the first two were reported twice: by the recover that
// caught the panic, and by serve as a bare Goexit when the runtime resumed
// the Goexit through it.
func TestPanicUnderGoexitInACallbackIsReportedOnce(t *testing.T) {
	boom := func() {
		defer func() { panic("boom") }()
		runtime.Goexit()
	}
	cases := []struct {
		name    string
		trigger func(h *Hub, fn func())
	}{
		{"RunCallback", func(h *Hub, fn func()) {
			_, err := h.RunCallback(fn)
			require.NoError(t, err)
		}},
		{"Post", func(h *Hub, fn func()) { require.NoError(t, h.Post(fn)) }},
		{"Rawlink", func(_ *Hub, fn func()) {
			g := Go(func() error { return nil })
			g.Rawlink(func(Linkable) { fn() })
			require.NoError(t, g.Join(within(t, 5*time.Second)))
		}},
		{"watcher", func(h *Hub, fn func()) {
			tm, err := h.Loop().NewTimer(0, 0, func(w *cev.Timer, _ int) {
				w.Close()
				fn()
			})
			require.NoError(t, err)
			require.NoError(t, tm.Start())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				var reports []error
				h.SetErrorHandler(func(err error) { reports = append(reports, err) })
				tc.trigger(h, boom)
				requireHubServes(t, 2)
				require.Len(t, reports, 1)
				var pe *PanicError
				require.ErrorAs(t, reports[0], &pe)
				assert.Equal(t, "boom", pe.Value)
				// A plain panic recovered the same way, then a plain
				// Goexit of a watcher: two reports.
				tc.trigger(h, func() { panic("plain") })
				requireHubServes(t, 1)
				tm, err := h.Loop().NewTimer(0, 0, func(w *cev.Timer, _ int) {
					w.Close()
					runtime.Goexit()
				})
				require.NoError(t, err)
				require.NoError(t, tm.Start())
				requireHubServes(t, 1)
				require.Len(t, reports, 3)
				assert.ErrorIs(t, reports[2], ErrGoexit)
			})
		})
	}
}

// What escapes a teardown callback (one a killed greenlet's defer queues,
// which serve's last drain loop runs once Destroy resumed the hub from
// throwing LoopExit) is reported as in a live hub: a panic under Goexit
// once, and a Goexit after a plain panic of an earlier teardown callback
// still: serve's last drain loop clears Hub.recovered after a plain panic,
// as runOnce's and notifyLinks' do (TestPanicUnderGoexitInACallbackIsReportedOnce
// pins those); without that the plain panic's report hid the Goexit after it.
func TestTeardownCallbackEscapesAreReportedOnce(t *testing.T) {
	underGoexit := func() {
		defer func() { panic("under goexit") }()
		runtime.Goexit()
	}
	cases := []struct {
		name  string
		queue []func()
		want  []string // each report's panic value, "" for a bare Goexit
	}{
		{"panic under Goexit", []func(){underGoexit}, []string{"under goexit"}},
		{"plain panic then Goexit", []func(){func() { panic("plain") }, runtime.Goexit}, []string{"plain", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHub()
			require.NoError(t, err)
			var reports []error
			h.SetErrorHandler(func(err error) { reports = append(reports, err) })
			w := NewWaiter("victim")
			Go(func() error {
				defer func() {
					for _, fn := range tc.queue {
						_, _ = h.RunCallback(fn)
					}
				}()
				_, err := w.Get(bg)
				return err
			})
			require.NoError(t, Sleep(bg, 0)) // the victim starts and waits
			var le *LoopExitError
			_, err = NewWaiter("main").Get(bg)
			require.ErrorAs(t, err, &le)
			require.NoError(t, h.Destroy())
			require.Len(t, reports, len(tc.want))
			for i, want := range tc.want {
				if want == "" {
					assert.ErrorIs(t, reports[i], ErrGoexit)
					continue
				}
				var pe *PanicError
				require.ErrorAs(t, reports[i], &pe)
				assert.Equal(t, want, pe.Value)
			}
		})
	}
}
