package cev

import (
	"errors"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLoopBackends(t *testing.T) {
	for _, b := range []uint{EVBACKEND_SELECT, EVBACKEND_POLL, EVBACKEND_EPOLL} {
		l := newLoop(t, WithBackend(b))
		assert.Equal(t, b, l.Backend())
		fired := false
		tm, err := l.NewTimer(0, 0, func(*Timer, int) { fired = true })
		require.NoError(t, err)
		require.NoError(t, tm.Start())
		_, err = l.Run(0)
		require.NoError(t, err)
		assert.True(t, fired, "backend %#x", b)
	}
	assert.NotZero(t, SupportedBackends()&EVBACKEND_EPOLL)
	assert.NotZero(t, RecommendedBackends())
	assert.NotZero(t, EmbeddableBackends()&EVBACKEND_EPOLL, "epoll embeds on Linux since 2.6.32")
	assert.NotZero(t, EmbeddableBackends()&^SupportedBackends(), "libev's mask names backends this system lacks (kqueue, port)")
}

func TestNewLoopIOUring(t *testing.T) {
	l, err := NewLoop(WithBackend(EVBACKEND_IOURING))
	if err != nil {
		// The kernel (or a system libev built without it) may refuse.
		assert.ErrorIs(t, err, ErrNotSupported)
		return
	}
	defer l.Destroy()
	assert.Equal(t, uint(EVBACKEND_IOURING), l.Backend())
}

func TestNewLoopBadInput(t *testing.T) {
	_, err := NewLoop(WithBackend(0x100))
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = NewLoop(WithFlags(0x4))
	assert.ErrorIs(t, err, ErrInvalid)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "NewLoop", e.Op)
	assert.Contains(t, err.Error(), "cev: NewLoop: invalid argument")
}

func TestUseAfterDestroy(t *testing.T) {
	l, err := NewLoop()
	require.NoError(t, err)
	tm, err := l.NewTimer(1, 0, func(*Timer, int) {})
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	as, err := l.NewAsync(func(*Async, int) {})
	require.NoError(t, err)
	require.NoError(t, l.Destroy())

	assert.ErrorIs(t, l.Destroy(), ErrClosed)
	_, err = l.Run(0)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, l.Break(EVBREAK_ALL), ErrClosed)
	assert.ErrorIs(t, l.UpdateNow(), ErrClosed)
	assert.ErrorIs(t, l.Ref(), ErrClosed)
	assert.ErrorIs(t, l.Unref(), ErrClosed)
	assert.ErrorIs(t, l.Suspend(), ErrClosed)
	assert.ErrorIs(t, l.Resume(), ErrClosed)
	assert.ErrorIs(t, l.Verify(), ErrClosed)
	assert.ErrorIs(t, l.Fork(), ErrClosed)
	assert.ErrorIs(t, l.SetIOCollectInterval(0), ErrClosed)
	assert.ErrorIs(t, l.SetTimeoutCollectInterval(0), ErrClosed)
	assert.ErrorIs(t, l.FeedEvent(tm, EV_CUSTOM), ErrClosed)
	assert.ErrorIs(t, l.FeedFDEvent(0, EV_READ), ErrClosed)
	assert.Zero(t, l.Now())
	assert.Zero(t, l.Iteration())
	assert.Zero(t, l.PendingCount())
	assert.Zero(t, l.Backend())
	_, err = l.NewTimer(0, 0, func(*Timer, int) {})
	assert.ErrorIs(t, err, ErrClosed)

	assert.ErrorIs(t, tm.Start(), ErrClosed)
	assert.ErrorIs(t, tm.Stop(), ErrClosed)
	assert.ErrorIs(t, tm.Again(), ErrClosed)
	assert.ErrorIs(t, tm.Set(1, 0), ErrClosed)
	assert.ErrorIs(t, tm.Close(), ErrClosed)
	assert.ErrorIs(t, tm.Invoke(EV_TIMER), ErrClosed)
	assert.ErrorIs(t, tm.SetPriority(1), ErrClosed)
	assert.False(t, tm.IsActive())
	assert.False(t, tm.IsPending())
	assert.Zero(t, tm.ClearPending())
	assert.Zero(t, tm.Remaining())
	assert.ErrorIs(t, as.Send(), ErrClosed)
}

func TestDestroyFromCallback(t *testing.T) {
	l := newLoop(t)
	var derr error
	tm, err := l.NewTimer(0, 0, func(*Timer, int) { derr = l.Destroy() })
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.ErrorIs(t, derr, ErrInvalid)
}

func TestBreakOneAndAll(t *testing.T) {
	l := newLoop(t)
	n := 0
	rep, err := l.NewTimer(0, 0.0001, func(w *Timer, _ int) {
		n++
		if n == 3 {
			require.NoError(t, l.Break(EVBREAK_ONE))
		}
	})
	require.NoError(t, err)
	require.NoError(t, rep.Start())
	active, err := l.Run(0)
	require.NoError(t, err)
	assert.True(t, active)
	assert.Equal(t, 3, n)

	// Break(ALL) from a nested Run leaves both; Depth counts nesting.
	var depths []int
	inner := 0
	require.NoError(t, rep.Stop())
	outer, err := l.NewTimer(0, 0, func(*Timer, int) {
		depths = append(depths, l.Depth())
		in, err := l.NewTimer(0, 0.0001, func(*Timer, int) {
			inner++
			depths = append(depths, l.Depth())
			require.NoError(t, l.Break(EVBREAK_ALL))
		})
		require.NoError(t, err)
		require.NoError(t, in.Start())
		_, err = l.Run(0)
		require.NoError(t, err)
	})
	require.NoError(t, err)
	require.NoError(t, outer.Start())
	active, err = l.Run(0)
	require.NoError(t, err)
	assert.True(t, active, "the inner repeating timer is still active")
	assert.Equal(t, []int{1, 2}, depths)
	assert.Equal(t, 1, inner)
	assert.Equal(t, 0, l.Depth())
	assert.ErrorIs(t, l.Break(7), ErrInvalid)
}

func TestRunFlags(t *testing.T) {
	l := newLoop(t)
	_, err := l.Run(4)
	assert.ErrorIs(t, err, ErrInvalid)
	// Nothing active: Run(0) returns at once, false.
	active, err := l.Run(0)
	require.NoError(t, err)
	assert.False(t, active)
	it := l.Iteration()
	active, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.False(t, active)
	assert.Equal(t, it+1, l.Iteration())
}

func TestRefUnref(t *testing.T) {
	l := newLoop(t)
	fired := false
	tm, err := l.NewTimer(10, 0, func(*Timer, int) { fired = true })
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	require.NoError(t, l.Unref())
	active, err := l.Run(0) // the unref'd timer does not keep the loop alive
	require.NoError(t, err)
	assert.False(t, active)
	assert.False(t, fired)
	require.NoError(t, l.Ref())
	require.NoError(t, tm.Stop())
	if Embedded {
		assert.Equal(t, int(l.c.activecnt), int(realActivecnt(l)))
	}
}

// Ref and Unref make no cgo call; the count reaches libev with the loop's
// next C call, before ev_run reads it.
func TestRefUnrefWithoutCgo(t *testing.T) {
	l := newLoop(t)
	tm, err := l.NewTimer(3600, 0, func(*Timer, int) {})
	require.NoError(t, err)
	require.NoError(t, tm.Start())

	calls := runtime.NumCgoCall()
	require.NoError(t, l.Unref())
	require.NoError(t, l.Ref())
	require.NoError(t, l.Unref())
	assert.Equal(t, calls, runtime.NumCgoCall(), "cgo calls made by Ref and Unref")
	assert.Equal(t, 0, l.ActiveCount())

	done := make(chan struct{})
	go func() {
		defer close(done)
		active, err := l.Run(0) // ev_run must see the Unref, or it waits an hour
		assert.NoError(t, err)
		assert.False(t, active)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run(0) kept waiting on an unref'd timer")
	}
	if Embedded {
		assert.Equal(t, 0, realActivecnt(l))
	}
	require.NoError(t, l.Ref())
	require.NoError(t, tm.Stop())
	if Embedded {
		assert.Equal(t, 0, realActivecnt(l))
	}
}

func TestNowAndUpdateNow(t *testing.T) {
	l := newLoop(t)
	n0 := l.Now()
	assert.InDelta(t, Time(), n0, 1)
	for Time() < n0+0.002 {
	}
	assert.Equal(t, n0, l.Now(), "Now is cached until the loop updates it")
	require.NoError(t, l.UpdateNow())
	assert.Greater(t, l.Now(), n0)
}

func TestSuspendResumeVerifyCollect(t *testing.T) {
	l := newLoop(t)
	require.NoError(t, l.Suspend())
	require.NoError(t, l.Resume())
	require.NoError(t, l.Verify())
	require.NoError(t, l.SetIOCollectInterval(0.0001))
	require.NoError(t, l.SetTimeoutCollectInterval(0.0001))
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		assert.ErrorIs(t, l.SetIOCollectInterval(bad), ErrInvalid)
		assert.ErrorIs(t, l.SetTimeoutCollectInterval(bad), ErrInvalid)
	}
}

func TestPendingCountFeedAndClear(t *testing.T) {
	l := newLoop(t)
	var got []int
	id, err := l.NewIdle(func(_ *Idle, revents int) { got = append(got, revents) })
	require.NoError(t, err)
	require.NoError(t, l.FeedEvent(id, EV_CUSTOM))
	require.NoError(t, l.FeedEvent(id, EV_TIMER)) // merges into the pending event
	assert.True(t, id.IsPending())
	assert.Equal(t, 1, l.PendingCount())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []int{EV_CUSTOM | EV_TIMER}, got)
	assert.Zero(t, l.PendingCount())

	require.NoError(t, l.FeedEvent(id, EV_CUSTOM))
	assert.Equal(t, EV_CUSTOM, id.ClearPending())
	assert.False(t, id.IsPending())
	assert.Zero(t, id.ClearPending())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Len(t, got, 1)

	other := newLoop(t)
	assert.ErrorIs(t, other.FeedEvent(id, EV_CUSTOM), ErrWrongLoop)
}

func TestFeedFromCallbackRunsSameDispatch(t *testing.T) {
	l := newLoop(t)
	var trace []string
	var hi, lo *Idle
	hi, err := l.NewIdle(func(*Idle, int) { trace = append(trace, "hi") })
	require.NoError(t, err)
	require.NoError(t, hi.SetPriority(EV_MAXPRI))
	lo, err = l.NewIdle(func(*Idle, int) { trace = append(trace, "lo") })
	require.NoError(t, err)
	require.NoError(t, lo.SetPriority(EV_MINPRI))
	mid, err := l.NewTimer(0, 0, func(*Timer, int) {
		trace = append(trace, "mid")
		require.NoError(t, l.FeedEvent(hi, EV_CUSTOM))
		require.NoError(t, l.FeedEvent(lo, EV_CUSTOM))
		require.NoError(t, l.FeedEvent(lo, EV_CUSTOM))
		assert.True(t, lo.IsPending())
		assert.Equal(t, 2, l.PendingCount())
	})
	require.NoError(t, err)
	require.NoError(t, mid.Start())
	_, err = l.Run(EVRUN_ONCE)
	require.NoError(t, err)
	assert.Equal(t, []string{"mid", "hi", "lo"}, trace)
}

func TestFeedFDEvent(t *testing.T) {
	l := newLoop(t)
	r, w := pipe(t)
	_ = w
	var got []int
	io, err := l.NewIO(r, EV_READ, func(_ *IO, revents int) { got = append(got, revents) })
	require.NoError(t, err)
	require.NoError(t, io.Start())
	require.NoError(t, l.FeedFDEvent(r, EV_READ))
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []int{EV_READ}, got)

	// From a callback: dispatched in the same Run.
	tm, err := l.NewTimer(0, 0, func(*Timer, int) { require.NoError(t, l.FeedFDEvent(r, EV_READ)) })
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	_, err = l.Run(EVRUN_ONCE)
	require.NoError(t, err)
	assert.Equal(t, []int{EV_READ, EV_READ}, got)

	assert.ErrorIs(t, l.FeedFDEvent(-1, EV_READ), ErrBadFD)
	assert.ErrorIs(t, l.FeedFDEvent(r, EV_TIMER), ErrInvalid)
}

// A nested Run first dispatches what the outer dispatch left pending, as
// ev_run's initial ev_invoke_pending does.
func TestNestedRunInvokesOuterPending(t *testing.T) {
	l := newLoop(t)
	var trace []string
	b, err := l.NewTimer(0, 0, func(*Timer, int) { trace = append(trace, "b") })
	require.NoError(t, err)
	a, err := l.NewTimer(0, 0, func(*Timer, int) {
		trace = append(trace, "a")
		assert.True(t, b.IsPending())
		_, err := l.Run(EVRUN_NOWAIT)
		require.NoError(t, err)
		trace = append(trace, "a-end")
	})
	require.NoError(t, err)
	require.NoError(t, a.SetPriority(1))
	require.NoError(t, a.Start())
	require.NoError(t, b.Start())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "a-end"}, trace)
}

func TestPanicInCallbackLeavesLoopUsable(t *testing.T) {
	l := newLoop(t)
	n := 0
	tm, err := l.NewTimer(0, 0, func(*Timer, int) {
		n++
		if n == 1 {
			panic("boom")
		}
	})
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	assert.PanicsWithValue(t, "boom", func() { _, _ = l.Run(0) })
	assert.Zero(t, l.Depth())
	require.NoError(t, tm.Start())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	assert.True(t, tm.IsPending())
}

// A Run that a callback escapes in one of several batches of one ev_run
// (the fork watchers', then the prepare watchers', before the poll) loses
// no event: the rest of the escaping batch stays pending for the next Run,
// and that Run's ev_run queues the fork watchers again (postfork is still
// set) and the prepare watchers, as libev does after a C++ exception or a
// longjmp out of a fork callback (ev.pod, ev_run), which leaves the
// prepares not yet queued.
func TestEscapeInAnEarlierBatchLosesNoEvent(t *testing.T) {
	l := newLoop(t)
	var trace []string
	escaped := false
	for _, name := range []string{"f1", "f2", "f3"} {
		f, err := l.NewFork(func(*Fork, int) {
			trace = append(trace, name)
			if !escaped {
				escaped = true
				panic("boom")
			}
		})
		require.NoError(t, err)
		require.NoError(t, f.Start())
	}
	p, err := l.NewPrepare(func(*Prepare, int) { trace = append(trace, "prepare") })
	require.NoError(t, err)
	require.NoError(t, p.Start())
	require.NoError(t, l.Fork())
	assert.PanicsWithValue(t, "boom", func() { _, _ = l.Run(EVRUN_NOWAIT) })
	require.Equal(t, []string{"f3"}, trace, "libev invokes the last started first")
	assert.Equal(t, 2, l.PendingCount(), "the rest of the fork batch")
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []string{"f3", "f2", "f1", "f3", "f2", "f1", "prepare"}, trace)
	assert.Equal(t, uint(1), l.Iteration(), "one poll")
}

func TestActiveCount(t *testing.T) {
	l := newLoop(t)
	assert.Equal(t, 0, l.ActiveCount())
	var again *Timer
	a, err := l.NewTimer(0, 0, func(*Timer, int) {
		// Started from a callback: counted once Run returns.
		require.NoError(t, again.Start())
	})
	require.NoError(t, err)
	again, err = l.NewTimer(10, 0, func(*Timer, int) {})
	require.NoError(t, err)
	b, err := l.NewTimer(10, 0, func(*Timer, int) {})
	require.NoError(t, err)
	require.NoError(t, a.Start())
	require.NoError(t, b.Start())
	assert.Equal(t, 2, l.ActiveCount())
	require.NoError(t, l.Ref())
	assert.Equal(t, 3, l.ActiveCount(), "a Ref counts as ev_run's return does")

	alive, err := l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.True(t, alive)
	// a fired (stopped by libev), again started in its callback, b and the ref.
	assert.Equal(t, 3, l.ActiveCount())
	if Embedded {
		assert.Equal(t, realActivecnt(l), l.ActiveCount())
	}
	require.NoError(t, l.Unref())
	require.NoError(t, l.Unref())
	assert.Equal(t, 1, l.ActiveCount(), "unref'd watchers do not count")
	require.NoError(t, l.Ref())
	require.NoError(t, again.Stop())
	require.NoError(t, b.Stop())
	assert.Equal(t, 0, l.ActiveCount())

	require.NoError(t, l.Destroy())
	assert.Equal(t, 0, l.ActiveCount(), "after Destroy")
}

func TestWatcherCount(t *testing.T) {
	l := newLoop(t)
	assert.Equal(t, 0, l.WatcherCount())
	var ws []*Timer
	for range 5 {
		w, err := l.NewTimer(1, 0, func(*Timer, int) {})
		require.NoError(t, err)
		ws = append(ws, w)
	}
	require.NoError(t, ws[0].Start())
	assert.Equal(t, 5, l.WatcherCount(), "active or not, every unclosed watcher counts")
	require.NoError(t, ws[0].Close())
	require.NoError(t, ws[3].Close())
	assert.Equal(t, 3, l.WatcherCount())
	require.ErrorIs(t, ws[3].Close(), ErrClosed)
	assert.Equal(t, 3, l.WatcherCount(), "a second Close changes nothing")
	_, err := l.NewIdle(func(*Idle, int) {}) // reuses a freed slot
	require.NoError(t, err)
	assert.Equal(t, 4, l.WatcherCount())
	_, err = l.NewIdle(nil)
	require.ErrorIs(t, err, ErrNilCallback)
	assert.Equal(t, 4, l.WatcherCount(), "a failed New allocates nothing")
	require.NoError(t, l.Destroy())
	assert.Equal(t, 0, l.WatcherCount(), "Destroy frees every watcher")
}

// A goroutine that a callback readies gets the thread before the loop
// waits in its next poll: at GOMAXPROCS=1 it could otherwise run only once
// sysmon took the P from the thread blocked in epoll_wait. The prepare
// watcher runs just before each poll and sees whether the goroutine has
// run or, failing that, whether the loop yielded: the scheduler decides
// what runs after a Gosched (it may pick the loop again from the global
// run queue), Run only decides to yield.
func TestRunYieldsBeforeWaiting(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	l := newLoop(t)
	wake := make(chan struct{})
	var ran atomic.Bool
	as, err := l.NewAsync(func(*Async, int) { assert.NoError(t, l.Break(EVBREAK_ALL)) })
	require.NoError(t, err)
	require.NoError(t, as.Start())
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-wake
		ran.Store(true)
		assert.NoError(t, as.Send())
	}()
	var seen []bool // ran or yielded, as each prepare saw it
	prep, err := l.NewPrepare(func(*Prepare, int) { seen = append(seen, ran.Load() || l.yields > 0) })
	require.NoError(t, err)
	require.NoError(t, prep.Start())
	tm, err := l.NewTimer(0, 0, func(*Timer, int) { close(wake) })
	require.NoError(t, err)
	require.NoError(t, tm.Start())

	_, err = l.Run(0)
	require.NoError(t, err)
	<-done
	// First iteration: the timer is due, so the embedded libev neither
	// waits nor yields (the system's cannot tell, and yields if anything
	// is runnable); the timer wakes the goroutine. Second: the poll would
	// wait for the async watcher.
	require.GreaterOrEqual(t, len(seen), 2)
	if Embedded {
		assert.False(t, seen[0], "a due timer means no wait, so no yield")
	}
	assert.True(t, seen[1], "the woken goroutine ran before the poll, or the loop yielded")
}

// Run does not yield, even with a goroutine runnable, when the poll will not wait: an idle
// watcher is active (both libevs count those), or a zero-delay timer was started, due at the
// next poll (the system libev hides its timers, so cev notes such starts itself).
func TestRunDoesNotYieldWhenThePollWillNotWait(t *testing.T) {
	starts := map[string]func(l *Loop, n *int) error{
		"idle watcher": func(l *Loop, n *int) error {
			idle, err := l.NewIdle(func(*Idle, int) {
				if *n++; *n == 3 {
					assert.NoError(t, l.Break(EVBREAK_ALL))
				}
			})
			if err != nil {
				return err
			}
			return idle.Start()
		},
		"due timer": func(l *Loop, n *int) error {
			tm, err := l.NewTimer(0, 0, func(w *Timer, _ int) {
				if *n++; *n < 3 {
					assert.NoError(t, w.Start())
				}
			})
			if err != nil {
				return err
			}
			return tm.Start()
		},
	}
	for name, start := range starts {
		t.Run(name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			l := newLoop(t)
			n := 0
			require.NoError(t, start(l, &n))
			done := make(chan struct{})
			go close(done) // runnable until the loop gives up the thread
			_, err := l.Run(0)
			require.NoError(t, err)
			assert.Equal(t, 3, n)
			assert.Zero(t, l.yields, "the poll would not wait")
			<-done
		})
	}
}
