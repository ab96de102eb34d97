package event_test

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bg is the context of waits that only their own events end.
var bg = context.Background()

// within returns a context whose deadline is d from now, cancelled when the
// test ends.
func within(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(bg, d)
	t.Cleanup(cancel)
	return ctx
}

func run(t testing.TB, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

func TestEventWakesInOrder(t *testing.T) {
	run(t, func() error {
		var e event.Event
		var order []int
		for i := range 5 {
			scheduler.Go(func() error {
				err := e.Wait(bg)
				assert.NoError(t, err)
				order = append(order, i)
				return err
			})
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Set()
		assert.Empty(t, order, "Set must not switch")
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []int{0, 1, 2, 3, 4}, order)
		return nil
	})
}

func TestEventTimeoutAndKill(t *testing.T) {
	run(t, func() error {
		var e event.Event
		err := e.Wait(within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Zero(t, e.LinkCount(), "a wait that gave up unlinks")
		g := scheduler.Go(func() error { return e.Wait(bg) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, g.Kill(bg, nil))
		assert.True(t, g.Successful())
		assert.Equal(t, 0, e.LinkCount(), "a killed waiter unlinks")
		return nil
	})
}

func TestEventSetFromGoroutine(t *testing.T) {
	run(t, func() error {
		var e event.Event
		h := scheduler.CurrentHub()
		release := h.KeepAlive()
		defer release()
		scheduler.Go(func() error {
			go func() {
				time.Sleep(time.Millisecond)
				e.Set()
			}()
			return nil
		})
		require.NoError(t, e.Wait(within(t, time.Second)))
		return nil
	})
}

func TestWaitFromForeignGoroutine(t *testing.T) {
	run(t, func() error {
		var e event.Event
		_ = e.Wait(within(t, 0)) // binds e to this hub
		errc := make(chan error)
		go func() { errc <- e.Wait(bg) }()
		assert.ErrorIs(t, <-errc, scheduler.ErrNotGreenlet)
		return nil
	})
}

func TestLoopExitWhenNobodySets(t *testing.T) {
	run(t, func() error {
		var e event.Event
		err := e.Wait(bg)
		assert.ErrorIs(t, err, scheduler.ErrLoopExit)
		return nil
	})
}

func TestAsyncResult(t *testing.T) {
	run(t, func() error {
		var a event.AsyncResult[string]
		_, err := a.TryGet()
		assert.ErrorIs(t, err, event.ErrNotReady)
		_, err = a.Get(within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		scheduler.Go(func() error { a.Set("v"); return nil })
		v, err := a.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "v", v)
		assert.True(t, a.Successful())

		var b event.AsyncResult[int]
		boom := errors.New("boom")
		b.SetError(boom)
		_, err = b.Get(bg)
		assert.ErrorIs(t, err, boom)
		assert.True(t, b.Ready())
		assert.False(t, b.Successful())
		assert.Equal(t, boom, b.Err())
		return nil
	})
}

func TestSchedulerWaitOnEvents(t *testing.T) {
	run(t, func() error {
		var e1, e2 event.Event
		scheduler.SpawnLater(2*time.Millisecond, func() (int, error) { e1.Set(); return 0, nil })
		scheduler.SpawnLater(time.Millisecond, func() (int, error) { e2.Set(); return 0, nil })
		done, err := scheduler.Wait(bg, []scheduler.Linkable{&e1, &e2}, 1)
		require.NoError(t, err)
		require.Len(t, done, 1)
		assert.Same(t, &e2, done[0])
		return nil
	})
}

func TestLinkPanicIsReported(t *testing.T) {
	run(t, func() error {
		var reported []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reported = append(reported, err) })
		var e event.Event
		ran := false
		e.Rawlink(func(scheduler.Linkable) { panic(errors.New("in link")) })
		e.Rawlink(func(scheduler.Linkable) { ran = true })
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, ran)
		require.Len(t, reported, 1)
		return nil
	})
}

// TestLinkPanicAmongWaiters: a panicking link between two waiting
// greenlets is reported once and the round goes on, waking the second
// waiter after the first; a link added by the panicking one waits for the
// next round, as links added during a round always do.
func TestLinkPanicAmongWaiters(t *testing.T) {
	run(t, func() error {
		var reported []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reported = append(reported, err) })
		var e event.Event
		var order []string
		waiter := func(name string) {
			scheduler.Go(func() error {
				err := e.Wait(bg)
				order = append(order, name)
				return err
			})
		}
		waiter("a")
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Rawlink(func(scheduler.Linkable) {
			order = append(order, "panic")
			e.Rawlink(func(scheduler.Linkable) { order = append(order, "late") })
			panic("in link")
		})
		waiter("b")
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []string{"a", "panic", "b", "late"}, order)
		require.Len(t, reported, 1)
		assert.ErrorContains(t, reported[0], "panic in link: in link")
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

func ExampleEvent() {
	_ = scheduler.Main(func() error {
		var ready event.Event
		for _, name := range []string{"a", "b"} {
			scheduler.Go(func() error {
				err := ready.Wait(bg)
				fmt.Println(name, "woke")
				return err
			})
		}
		_ = scheduler.Sleep(bg, 0)
		ready.Set()
		fmt.Println("set")
		return scheduler.Sleep(bg, 0)
	})
	// Output:
	// set
	// a woke
	// b woke
}

func ExampleAsyncResult() {
	_ = scheduler.Main(func() error {
		var r event.AsyncResult[int]
		scheduler.Go(func() error { r.Set(42); return nil })
		v, err := r.Get(bg)
		fmt.Println(v, err)
		return nil
	})
	// Output: 42 <nil>
}

// BenchmarkEventWake10k reports the cost per waiter of waking 10,000
// greenlets blocked on one Event.
func BenchmarkEventWake10k(b *testing.B) {
	const n = 10000
	run(b, func() error {
		b.ResetTimer()
		for range b.N {
			var e event.Event
			for range n {
				scheduler.Go(func() error { err := e.Wait(bg); return err })
			}
			_ = scheduler.Sleep(bg, 0)
			e.Set()
			_ = scheduler.Sleep(bg, 0)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/waiter")
		return nil
	})
}

// BenchmarkEventSetWake10k is bench/py/event_wake.py's shape: 10k greenlets
// already parked in Wait, timed from Set until every one has run and
// finished; spawning and parking them is outside the timer. cpu-ns/waiter is
// the process's CPU time, steadier than wall time on a loaded machine.
func BenchmarkEventSetWake10k(b *testing.B) {
	const n = 10000
	run(b, func() error {
		gs := make([]*scheduler.Greenlet[struct{}], n)
		var wall, cpu time.Duration
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			var e, done event.Event
			left := n
			for i := range gs {
				gs[i] = scheduler.Go(func() error {
					if err := e.Wait(bg); err != nil {
						return err
					}
					if left--; left == 0 {
						done.Set()
					}
					return nil
				})
			}
			if err := scheduler.Sleep(bg, 0); err != nil {
				return err
			}
			require.Equal(b, n, e.LinkCount())
			b.StartTimer()
			t0, c0 := time.Now(), processCPU()
			e.Set()
			if err := done.Wait(bg); err != nil {
				return err
			}
			wall += time.Since(t0)
			cpu += processCPU() - c0
			b.StopTimer()
			if _, err := scheduler.JoinAll(bg, gs); err != nil {
				return err
			}
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(wall.Nanoseconds())/float64(b.N*n), "ns/waiter")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/waiter")
		return nil
	})
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
