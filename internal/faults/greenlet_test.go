package faults

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPanicInGreenlet(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name  string
		value any
	}{
		{"error value", boom},
		{"string value", "not an error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withHub(t, func(h *scheduler.Hub, r *reports) {
				by := bystander(20)
				deferred := false
				g := scheduler.Go(func() error {
					defer func() { deferred = true }()
					if err := scheduler.Sleep(bg, time.Millisecond); err != nil {
						return err
					}
					panicHere(tc.value)
					return nil
				})
				g.SetName("panicker")
				require.NoError(t, g.Join(bg), "joining a failed greenlet is not an error")
				assert.True(t, deferred, "the greenlet's defers ran")
				assert.True(t, g.Dead())
				assert.False(t, g.Successful())

				var pe *scheduler.PanicError
				require.ErrorAs(t, g.Err(), &pe)
				assert.Equal(t, tc.value, pe.Value)
				assert.Contains(t, string(pe.Stack), "panicHere", "the stack is the greenlet's, captured at the panic")
				if err, ok := tc.value.(error); ok {
					assert.ErrorIs(t, g.Err(), err)
				}

				reps := r.all()
				require.Len(t, reps, 1, "reported exactly once")
				var ge *scheduler.GreenletError
				require.ErrorAs(t, reps[0], &ge)
				assert.Equal(t, "panicker", ge.Greenlet)
				assert.ErrorAs(t, reps[0], &pe)

				checkBystander(t, by, 20)
				// The hub goes on.
				v, err := scheduler.Spawn(func() (int, error) { return 7, nil }).Get(bg)
				require.NoError(t, err)
				assert.Equal(t, 7, v)
			})
		})
	}
}

func TestPanicInCallbackAndLink(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		var ran []string
		h.RunCallback(func() { ran = append(ran, "cb1"); panicHere("callback") })
		h.RunCallback(func() { ran = append(ran, "cb2") })
		g := scheduler.Go(func() error { return nil })
		g.Rawlink(func(scheduler.Linkable) { ran = append(ran, "link1"); panicHere("rawlink") })
		g.Rawlink(func(scheduler.Linkable) { ran = append(ran, "link2") })
		require.NoError(t, g.Join(bg))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []string{"cb1", "cb2", "link1", "link2"}, ran, "a panicking callback or link does not cost the next ones")
		reps := r.all()
		require.Len(t, reps, 2)
		for i, want := range []string{"callback", "rawlink"} {
			var pe *scheduler.PanicError
			require.ErrorAs(t, reps[i], &pe)
			assert.Equal(t, want, pe.Value)
		}
		assert.True(t, g.Successful(), "a failing link does not fail its greenlet")
	})
}

func TestGoexitInGreenlet(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		by := bystander(20)
		deferred := false
		g := scheduler.Go(func() error {
			defer func() { deferred = true }()
			if err := scheduler.Sleep(bg, time.Millisecond); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
		g.SetName("goexiter")
		require.NoError(t, g.Join(bg))
		assert.True(t, deferred)
		assert.True(t, g.Dead())
		assert.False(t, g.Successful())
		assert.ErrorIs(t, g.Err(), scheduler.ErrGoexit)

		reps := r.all()
		require.Len(t, reps, 1)
		var ge *scheduler.GreenletError
		require.ErrorAs(t, reps[0], &ge)
		assert.Equal(t, "goexiter", ge.Greenlet)
		assert.ErrorIs(t, reps[0], scheduler.ErrGoexit)
		checkBystander(t, by, 20)
	})
}

func TestCPUHogReportedOnce(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		h.SetBlockingThreshold(scheduler.DefaultBlockingThreshold)
		by := bystander(5)
		g := scheduler.Go(func() error {
			busyFor(time.Second)
			return nil
		})
		g.SetName("cpu-hog")
		require.NoError(t, g.Join(bg))
		// Waiting in the poll is not blocking: nothing more is reported.
		require.NoError(t, scheduler.Sleep(bg, 300*time.Millisecond))
		checkBystander(t, by, 5)

		reps := r.all()
		require.Len(t, reps, 1, "one stall, one report: %v", reps)
		var be *scheduler.BlockingError
		require.ErrorAs(t, reps[0], &be)
		assert.ErrorIs(t, reps[0], scheduler.ErrBlockingHub)
		assert.Equal(t, "cpu-hog", be.Greenlet)
		assert.GreaterOrEqual(t, be.For, scheduler.DefaultBlockingThreshold)
		assert.Contains(t, be.Stack, "busyFor", "the report shows where the greenlet spins")
	})
}

// TestForeignGoroutineBlockingCalls calls every hub-affine scheduler call
// from a goroutine that is no greenlet, and the blocking ones also from the
// hub greenlet (a callback): each is refused with ErrNotGreenlet, changes
// nothing (no watcher started, no link left, nothing killed, no body run)
// and, from the goroutine, creates no hub.
func TestForeignGoroutineBlockingCalls(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		by := bystander(10)
		g := scheduler.Spawn(func() (int, error) { return 3, scheduler.Sleep(bg, 5*time.Millisecond) })
		unstarted := scheduler.New(func() (int, error) { return 4, nil })
		w := scheduler.NewWaiter("")
		k := scheduler.NewWaker()
		fds := socketpair(t)
		defer syscall.Close(fds[0])
		defer syscall.Close(fds[1])
		io, err := h.Loop().NewIO(fds[0], cev.EV_READ, func(_ *cev.IO, rev int) { k.Fire(rev) })
		require.NoError(t, err)
		defer io.Close()
		tm := scheduler.NewTimeout(time.Millisecond, nil)
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		var bodiesRun atomic.Int32
		body := func() (int, error) { bodiesRun.Add(1); return 0, nil }

		blocking := map[string]func() error{
			"Greenlet.Join": func() error { return g.Join(bg) },
			"Greenlet.Get":  func() error { _, err := g.Get(bg); return err },
			"Greenlet.Kill": func() error { return g.Kill(bg, nil) },
			"Waiter.Get":    func() error { _, err := w.Get(bg); return err },
			"Hub.Switch":    func() error { _, err := h.Switch(); return err },
			"Hub.Wait":      func() error { _, err := h.Wait(bg, io, k, "read"); return err },
			"Sleep":         func() error { return scheduler.Sleep(bg, time.Millisecond) },
			"Sleep(0)":      func() error { return scheduler.Sleep(bg, 0) },
			"Idle":          func() error { return scheduler.Idle(bg, 0) },
			"WaitContext":   func() error { return scheduler.WaitContext(ctx) },
			"RunBlocking":   func() error { _, err := scheduler.RunBlocking(bg, body); return err },
			"JoinAll": func() error {
				_, err := scheduler.JoinAll(bg, []*scheduler.Greenlet[int]{g})
				return err
			},
			"Wait": func() error {
				_, err := scheduler.Wait(bg, []scheduler.Linkable{g}, 0)
				return err
			},
			"KillAll": func() error {
				return scheduler.KillAll(bg, []*scheduler.Greenlet[int]{g}, nil)
			},
		}
		nonBlocking := map[string]func() error{
			"Timeout.Start":  func() error { return tm.Start() },
			"StartTimeout":   func() error { _, err := scheduler.StartTimeout(time.Hour); return err },
			"Greenlet.Start": func() error { return unstarted.Start() },
			// WithTimeout blocks only where fn does; it arms a Timeout.
			"WithTimeout": func() error { _, err := scheduler.WithTimeout(time.Hour, body); return err },
			"Spawn":       func() error { return scheduler.Spawn(body).Err() },
			"Go": func() error {
				return scheduler.Go(func() error { _, err := body(); return err }).Err()
			},
			"Greenlet.KillAsync": func() error { return g.KillAsync(nil) },
			"KillAllAsync": func() error {
				return scheduler.KillAllAsync([]*scheduler.Greenlet[int]{g}, nil)
			},
		}
		errs := map[string]error{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for name, call := range blocking {
				errs[name] = call()
			}
			for name, call := range nonBlocking {
				errs[name] = call()
			}
			// Links are the hub's state: a foreign Rawlink registers nothing.
			if id := g.Rawlink(func(scheduler.Linkable) {}); id != 0 {
				errs["Rawlink"] = fmt.Errorf("foreign Rawlink registered link %d", id)
			}
			if scheduler.CurrentHub() != nil {
				errs["no hub"] = errors.New("a refused call created a hub for the foreign goroutine")
			}
			// The goroutine-safe entry still works from here.
			errs["Post"] = h.Post(func() { w.Switch("posted") })
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a call from a foreign goroutine hangs instead of being refused")
		}
		assert.NoError(t, errs["Rawlink"])
		assert.NoError(t, errs["no hub"])
		for name := range blocking {
			assert.ErrorIs(t, errs[name], scheduler.ErrNotGreenlet, "%s from a foreign goroutine", name)
		}
		for name := range nonBlocking {
			assert.ErrorIs(t, errs[name], scheduler.ErrNotGreenlet, "%s from a foreign goroutine", name)
		}
		require.NoError(t, errs["Post"])

		// The hub greenlet must never block: the blocking calls made from a
		// callback are refused the same way.
		hubErrs := map[string]error{}
		h.RunCallback(func() {
			for name, call := range blocking {
				hubErrs[name] = call()
			}
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Len(t, hubErrs, len(blocking), "the callback ran")
		for name := range blocking {
			assert.ErrorIs(t, hubErrs[name], scheduler.ErrNotGreenlet, "%s from a hub callback", name)
		}

		// The hub is unharmed: the refused calls started nothing and
		// killed nothing.
		assert.False(t, g.HasLinks(), "refused calls left links on the greenlet")
		assert.False(t, io.IsActive(), "a refused Hub.Wait leaves its watcher stopped")
		assert.False(t, tm.Pending())
		assert.False(t, unstarted.Started(), "the refused Start scheduled nothing")
		v, err := w.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "posted", v)
		gv, err := g.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 3, gv)
		assert.True(t, g.Successful(), "the refused kills did not kill")
		assert.Zero(t, bodiesRun.Load(), "no refused call ran its function")
		checkBystander(t, by, 10)
		assert.Empty(t, r.all())
	})
}

// TestCrossHubWaitRefused: a greenlet of a second hub (on another
// goroutine) cannot join, wait on or kill the first hub's greenlets; before
// the check, the first hub ran the second hub's wake-up and switched into a
// greenlet it did not own.
func TestCrossHubWaitRefused(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		g := scheduler.Spawn(func() (int, error) { return 5, scheduler.Sleep(bg, 20*time.Millisecond) })
		// The primitives are bound to h by a greenlet of h waiting on them.
		var ev event.Event
		ar := &event.AsyncResult[int]{}
		sem, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		waiters := []*scheduler.Greenlet[struct{}]{
			scheduler.Go(func() error { return ev.Wait(bg) }),
			scheduler.Go(func() error { _, err := ar.Get(bg); return err }),
			scheduler.Go(func() error { return sem.Acquire(bg) }),
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		errs := map[string]error{}
		done := make(chan error)
		go func() {
			done <- scheduler.Main(func() error {
				_, errs["Wait on primitives"] = scheduler.Wait(bg, []scheduler.Linkable{&ev, ar, sem}, 0)
				_, errs["JoinAll"] = scheduler.JoinAll(bg, []*scheduler.Greenlet[int]{g})
				_, errs["Wait"] = scheduler.Wait(bg, []scheduler.Linkable{g}, 0)
				errs["KillAll"] = scheduler.KillAll(bg, []*scheduler.Greenlet[int]{g}, nil)
				errs["Join"] = g.Join(bg)
				return nil
			})
		}()
		require.NoError(t, <-done)
		for _, name := range []string{"Wait on primitives", "JoinAll", "Wait", "KillAll", "Join"} {
			assert.ErrorIs(t, errs[name], scheduler.ErrNotGreenlet, name)
		}
		assert.False(t, g.HasLinks(), "the other hub left links on the greenlet")
		assert.Equal(t, 1, ev.LinkCount(), "only h's waiter is linked to the event")
		ev.Set()
		ar.Set(1)
		_, err = sem.Release()
		require.NoError(t, err)
		_, err = scheduler.JoinAll(bg, waiters)
		require.NoError(t, err)
		v, err := g.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 5, v, "the refused KillAll did not kill")
		assert.Empty(t, r.all())
	})
}

func TestGreenletKillsItself(t *testing.T) {
	// Subtests run on goroutines of their own, so each gets its own hub.
	t.Run("blocking", func(t *testing.T) {
		withHub(t, func(h *scheduler.Hub, r *reports) {
			var killErr error
			after := false
			g := scheduler.Go(func() error {
				// gevent: kill() of getcurrent() raises GreenletExit
				// in the caller, once the hub runs the kill.
				killErr = scheduler.GetCurrent().Kill(bg, nil)
				if killErr != nil {
					return killErr
				}
				after = true
				return nil
			})
			require.NoError(t, g.Join(bg))
			assert.ErrorIs(t, killErr, scheduler.ErrGreenletExit)
			assert.False(t, after)
			assert.True(t, g.Dead())
			assert.True(t, g.Successful())
			assert.ErrorIs(t, g.ExitErr(), scheduler.ErrGreenletExit)
			assert.Empty(t, r.all())
		})
	})
	t.Run("non-blocking", func(t *testing.T) {
		withHub(t, func(h *scheduler.Hub, r *reports) {
			var trace []string
			g := scheduler.Go(func() error {
				require.NoError(t, scheduler.GetCurrent().KillAsync(nil))
				trace = append(trace, "after kill")
				err := scheduler.Sleep(bg, 0)
				trace = append(trace, "sleep: "+errString(err))
				return err
			})
			require.NoError(t, g.Join(bg))
			require.Len(t, trace, 2)
			assert.Equal(t, "after kill", trace[0])
			assert.True(t, strings.HasPrefix(trace[1], "sleep: "))
			assert.NotEqual(t, "sleep: <nil>", trace[1], "the kill lands at the next switch")
			assert.True(t, g.Dead())
			assert.True(t, g.Successful())
			assert.Empty(t, r.all())
		})
	})
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestDeadlockBecomesLoopExit: a greenlet waiting on something nobody will
// ever deliver, joined by main, is not a hang: main gets a *LoopExitError
// naming the blocked greenlet, what it waits on and its stack; the greenlet
// stays alive and killable, and the hub stays usable.
func TestDeadlockBecomesLoopExit(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		w := scheduler.NewWaiter("a reply that never comes")
		deferred := false
		g := scheduler.Go(func() error {
			defer func() { deferred = true }()
			_, err := w.Get(bg)
			return err
		})
		g.SetName("stuck")
		err := g.Join(bg)
		require.ErrorIs(t, err, scheduler.ErrLoopExit)
		var le *scheduler.LoopExitError
		require.ErrorAs(t, err, &le)
		var found *scheduler.BlockedGreenlet
		for i := range le.Blocked {
			if le.Blocked[i].Name == "stuck" {
				found = &le.Blocked[i]
			}
		}
		require.NotNil(t, found, "the report names the stuck greenlet: %v", le.Blocked)
		assert.Equal(t, "a reply that never comes", found.WaitingOn)
		assert.Contains(t, found.Stack, "TestDeadlockBecomesLoopExit", "the stack shows where it waits")
		assert.False(t, g.Dead(), "LoopExit does not kill the stuck greenlet")

		require.NoError(t, g.Kill(bg, nil))
		assert.True(t, deferred)
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond), "the hub is still usable")
		assert.Empty(t, r.all())
	})
}
