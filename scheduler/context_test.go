package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContextDeadlineEndsEveryKindOfWait(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		blocker := Go(func() error { return Sleep(bg, time.Hour) })
		waits := map[string]func(ctx context.Context) error{
			"Sleep":         func(ctx context.Context) error { return Sleep(ctx, time.Hour) },
			"Waiter.Get":    func(ctx context.Context) error { _, err := NewWaiter("").Get(ctx); return err },
			"Greenlet.Join": func(ctx context.Context) error { return blocker.Join(ctx) },
			"Greenlet.Get":  func(ctx context.Context) error { _, err := blocker.Get(ctx); return err },
			"Wait":          func(ctx context.Context) error { _, err := Wait(ctx, []Linkable{blocker}, 0); return err },
			"WaitContext":   WaitContext,
		}
		for name, wait := range waits {
			err := wait(within(t, 2*time.Millisecond))
			assert.ErrorIs(t, err, context.DeadlineExceeded, name)
			assert.ErrorIs(t, err, ErrTimeout, name)
			var ne interface{ Timeout() bool }
			require.ErrorAs(t, err, &ne, name)
			assert.True(t, ne.Timeout(), name)
		}
		require.NoError(t, blocker.Kill(bg, nil))
	})
}

func TestContextCancelFromAnotherGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx, cancel := context.WithCancel(bg)
		started := make(chan struct{})
		go func() {
			<-started
			cancel()
		}()
		g := Go(func() error { close(started); return Sleep(ctx, time.Hour) })
		// The cancel is the only thing that can wake g: the loop must stay
		// alive for it instead of reporting LoopExit.
		require.NoError(t, g.Join(bg))
		assert.ErrorIs(t, g.Err(), context.Canceled)
		assert.NotErrorIs(t, g.Err(), ErrTimeout)
	})
}

func TestContextDoneBeforeTheWait(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx, cancel := context.WithCancel(bg)
		cancel()
		before := h.Stats().Switches
		assert.ErrorIs(t, Sleep(ctx, 0), context.Canceled)
		_, err := NewWaiter("").Get(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, before, h.Stats().Switches, "a done context never switches")
	})
}

// A cancel that arrives after its wait ended must not disturb the
// greenlet's next wait.
func TestLateCancelDoesNotReachTheNextWait(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx, cancel := context.WithCancel(bg)
		w := NewWaiter("")
		h.RunCallback(func() { w.Switch("first") })
		v, err := w.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, "first", v)
		cancel()
		// Let a posted cancel, if any, run; then a fresh wait must end by
		// its own event only.
		require.NoError(t, Sleep(bg, time.Millisecond))
		require.NoError(t, Sleep(bg, 5*time.Millisecond))
	})
}

// Hub.Join waits for the loop to run dry; its context only cuts it short
// and does not keep the loop alive.
func TestHubJoinContextIsWeak(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		Go(func() error { return Sleep(bg, time.Millisecond) })
		start := time.Now()
		ctx, cancel := context.WithTimeout(bg, time.Hour)
		defer cancel()
		require.NoError(t, h.Join(ctx))
		assert.Less(t, time.Since(start), time.Minute)
		cctx, ccancel := context.WithCancel(bg)
		defer ccancel()
		require.NoError(t, h.Join(cctx), "a cancelable context does not hold the loop")
		Go(func() error { return Sleep(bg, time.Hour) })
		err := h.Join(within(t, 2*time.Millisecond))
		assert.ErrorIs(t, err, ErrTimeout)
	})
}

func TestNilArguments(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var nilCtx context.Context
		g := Go(func() error { return nil })
		checks := map[string]error{
			"Sleep":        Sleep(nilCtx, 0),
			"Idle":         Idle(nilCtx, 0),
			"WaitContext":  WaitContext(nilCtx),
			"Join":         g.Join(nilCtx),
			"Kill":         g.Kill(nilCtx, nil),
			"KillAll":      KillAll(nilCtx, []*Greenlet[struct{}]{g}, nil),
			"Hub.Join":     h.Join(nilCtx),
			"Main":         Main(nil),
			"Go(nil)":      Go(nil).Err(),
			"Spawn(nil)":   Spawn[int](nil).Err(),
			"Hub.Wait":     func() error { _, err := h.Wait(bg, nil, nil, ""); return err }(),
			"WithTimeout":  func() error { _, err := WithTimeout[int](time.Second, nil); return err }(),
			"RunBlocking":  func() error { _, err := RunBlocking[int](bg, nil); return err }(),
			"Waiter.Get":   func() error { _, err := NewWaiter("").Get(nilCtx); return err }(),
			"IWait of nil": func() error { _, err := Wait(bg, []*Greenlet[int]{nil}, 0); return err }(),
		}
		for name, err := range checks {
			assert.ErrorIs(t, err, ErrNilArgument, name)
		}
	})
}

func TestHubsOnlyWhereAsked(t *testing.T) {
	assert.Nil(t, CurrentHub())
	assert.ErrorIs(t, Sleep(bg, 0), ErrNotGreenlet)
	g := Spawn(func() (int, error) { return 1, nil })
	assert.True(t, g.Dead())
	_, err := g.Get(bg)
	assert.ErrorIs(t, err, ErrNotGreenlet, "a refused greenlet is dead with the refusal as its outcome")
	assert.ErrorIs(t, g.Err(), ErrNotGreenlet)
	assert.Nil(t, CurrentHub(), "no hub was created")

	h, err := NewHub()
	require.NoError(t, err)
	_, err = NewHub()
	assert.ErrorIs(t, err, ErrHubExists)
	assert.EqualError(t, err, "scheduler: NewHub: goroutine already runs a hub")
	err = Main(func() error { return nil })
	assert.ErrorIs(t, err, ErrHubExists)
	assert.EqualError(t, err, "scheduler: Main: goroutine already runs a hub", "named after the call made")
	err = Config{}.Main(func() error { return nil })
	assert.EqualError(t, err, "scheduler: Main: goroutine already runs a hub")
	inner := Spawn(func() (error, error) { _, err := NewHub(); return err, nil })
	v, err := inner.Get(bg)
	require.NoError(t, err)
	assert.ErrorIs(t, v, ErrHubExists)
	require.NoError(t, h.Destroy())
}

// A scheduler call inside RunBlocking runs on a plain goroutine: it is
// refused and leaks nothing (it used to create a hub, two fds and a
// goroutine per call).
func TestSchedulerCallInRunBlockingCreatesNothing(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		require.NoError(t, Sleep(bg, 0)) // the hub greenlet's coroutine exists
		fds := countFDs(t)
		for range 200 {
			_, err := RunBlocking(bg, func() (struct{}, error) {
				return struct{}{}, Sleep(bg, 0)
			})
			require.ErrorIs(t, err, ErrNotGreenlet)
		}
		assert.Equal(t, fds, countFDs(t))
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		assert.Equal(t, 1, strings.Count(stacks, "scheduler.(*Hub).run("), "one hub greenlet: ours")
	})
}

func TestRunBlockingPanicCarriesItsStack(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		_, err := RunBlocking(bg, func() (int, error) { panicHere(); return 0, nil })
		var pe *PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "deep", pe.Value)
		assert.Contains(t, string(pe.Stack), "panicHere")
	})
}

func panicHere() { panic("deep") }

func TestKillAndKillAsync(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		g := Go(func() error {
			err := Sleep(bg, time.Hour)
			trace = append(trace, "killed")
			return err
		})
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, g.KillAsync(nil))
		assert.Empty(t, trace, "KillAsync does not wait")
		require.NoError(t, g.Join(bg))
		assert.Equal(t, []string{"killed"}, trace)
		assert.True(t, g.Successful())

		stubborn := Go(func() error {
			for {
				if err := Sleep(bg, time.Hour); !errors.Is(err, ErrGreenletExit) {
					return err
				}
			}
		})
		require.NoError(t, Sleep(bg, 0))
		err := stubborn.Kill(within(t, 2*time.Millisecond), nil)
		assert.ErrorIs(t, err, ErrTimeout, "a greenlet that catches the kill outlives the context")
		require.NoError(t, stubborn.Kill(bg, errors.New("stop")))
		assert.EqualError(t, stubborn.Err(), "stop")
	})
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

func TestContextBridge(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return Sleep(bg, time.Hour) })
		ctx := g.Context()
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, ctx.Err())
		require.NoError(t, g.Kill(bg, nil))
		assert.ErrorIs(t, context.Cause(ctx), ErrGreenletExit)

		to := NewTimeout(5*time.Millisecond, nil)
		tctx := to.Context()
		require.NoError(t, to.Start())
		assert.ErrorIs(t, Sleep(bg, time.Second), to)
		assert.ErrorIs(t, context.Cause(tctx), to)

		// Waiting on a context inside a greenlet keeps the hub running.
		cctx, cancel := context.WithCancel(context.Background())
		ticks := 0
		ticker := Go(func() error {
			for range 3 {
				if err := Sleep(bg, time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
			cancel()
			return nil
		})
		assert.ErrorIs(t, WaitContext(cctx), context.Canceled)
		assert.Equal(t, 3, ticks)
		require.NoError(t, ticker.Join(bg))
	})
}

// askUntil has a plain goroutine ask for ctxOf's context again and again
// until ended (set by the hub once the run ended) was true before an ask,
// and then hands over the first context it got; bad counts asks that got
// another context than the first, lost those that came after the end and
// got a context not done yet.
func askUntil(ctxOf func() context.Context, ended *atomic.Bool, bad, lost *atomic.Int32, out chan<- context.Context) {
	var first context.Context
	for {
		e := ended.Load()
		ctx := ctxOf()
		if first == nil {
			first = ctx
		} else if ctx != first {
			bad.Add(1)
		}
		if e {
			if ctx.Err() == nil {
				lost.Add(1)
			}
			out <- first
			return
		}
		runtime.Gosched()
	}
}

// Greenlet.Context asked for by plain goroutines while the hub starts the
// greenlet and ends it (an error, a success, a Kill, a KillAsync) gives them
// all one context, done once the greenlet ended, with the cause its doc
// states. Before, the first ask from a goroutine made the context
// unsynchronised with the hub: the race detector reported it, and a
// cancellation could be lost.
func TestGreenletContextAskedFromGoroutinesRacingTheHub(t *testing.T) {
	boom := errors.New("boom")
	errCustom := errors.New("custom kill")
	const askers = 2
	rounds := 200
	if raceEnabled {
		rounds = 60
	}
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		for round := range rounds {
			kind := round % 4
			g := Go(func() error {
				if kind >= 2 {
					return Sleep(bg, time.Hour)
				}
				if err := Sleep(bg, 0); err != nil {
					return err
				}
				if kind == 0 {
					return boom
				}
				return nil
			})
			var ended atomic.Bool
			var bad, lost atomic.Int32
			out := make(chan context.Context, askers)
			for range askers {
				go askUntil(g.Context, &ended, &bad, &lost, out)
			}
			want := []error{boom, context.Canceled, ErrGreenletExit, errCustom}[kind]
			switch kind {
			case 2:
				require.NoError(t, Sleep(bg, 0))
				require.NoError(t, g.Kill(bg, nil))
			case 3:
				require.NoError(t, g.KillAsync(errCustom))
			}
			require.NoError(t, g.Join(bg))
			ended.Store(true)
			pollHub(t, func() bool { return len(out) == askers })
			ctx := g.Context()
			for range askers {
				assert.Same(t, ctx, <-out, "round %d", round)
			}
			assert.Zero(t, bad.Load(), "round %d: another context", round)
			assert.Zero(t, lost.Load(), "round %d: not done after the end", round)
			assert.ErrorIs(t, context.Cause(ctx), want, "round %d", round)
		}
	})
}

// A greenlet that catches its kill (from KillAsync or KillAll) and goes on
// running has its Context done with the kill's error from the kill on,
// also when it is first asked for then, from a plain goroutine. Before, it
// was made live and stayed so until the greenlet ended, and KillAll did not
// end a Context made before it either.
func TestGreenletContextAskedAfterAKillItCaught(t *testing.T) {
	errKill := errors.New("kill")
	kills := map[string]func(g *Greenlet[struct{}]) error{
		"KillAsync": func(g *Greenlet[struct{}]) error { return g.KillAsync(errKill) },
		"KillAllAsync": func(g *Greenlet[struct{}]) error {
			return KillAllAsync([]*Greenlet[struct{}]{g}, errKill)
		},
	}
	for name, kill := range kills {
		for _, early := range []bool{false, true} {
			withHub(t, func(h *Hub, _ *bytes.Buffer) {
				gate := NewWaiter("gate")
				var caught atomic.Bool
				g := Go(func() error {
					if err := Sleep(bg, time.Hour); !errors.Is(err, errKill) {
						return err
					}
					caught.Store(true)
					_, err := gate.Get(bg)
					return err
				})
				var before context.Context
				if early {
					before = g.Context()
				}
				require.NoError(t, Sleep(bg, 0))
				require.NoError(t, kill(g))
				pollHub(t, caught.Load)
				asked := make(chan context.Context)
				go func() { asked <- g.Context() }()
				ctx := <-asked
				assert.False(t, g.Ready(), name)
				assert.ErrorIs(t, context.Cause(ctx), errKill, name)
				if early {
					assert.Same(t, before, ctx, name)
				}
				gate.Switch(nil)
				require.NoError(t, g.Join(bg))
			})
		}
	}
}

// runAsker is a plain goroutine asking for a restarted Timeout's Context
// again and again until stop, racing the hub that runs it (runs ending by
// a fire when odd, by a Cancel when even).
type runAsker struct {
	to *Timeout
	// started and ended are the number of the last run started and ended;
	// the hub stores started before Start, ended after the end.
	started, ended, wrong atomic.Int32
	asks                  atomic.Int32 // asks begun
	stop                  atomic.Bool
	mu                    sync.Mutex
	seen                  []context.Context // every context an ask got
}

func (a *runAsker) ask(done chan<- struct{}) {
	defer func() { done <- struct{}{} }()
	var last context.Context
	for !a.stop.Load() {
		a.asks.Add(1)
		e := a.ended.Load()
		ctx := a.to.Context()
		if a.started.Load() == e && e > 0 && !errors.Is(context.Cause(ctx), a.cause(e)) {
			// Run e ended before the ask and the next one had not begun
			// when it returned: its context, done with its cause.
			a.wrong.Add(1)
		}
		if ctx != last {
			last = ctx
			a.mu.Lock()
			a.seen = append(a.seen, ctx)
			a.mu.Unlock()
		}
		runtime.Gosched()
	}
}

// cause is the cause of run's end.
func (a *runAsker) cause(run int32) error {
	if run%2 == 1 {
		return a.to
	}
	return context.Canceled
}

// Timeout.Context asked for by plain goroutines while the hub starts the
// same timeout again and again, each run ending by a fire or a Cancel, gives
// an ask made after a run ended and before the next Start that run's
// context, done already with the run's cause, and every context any ask got
// ends with its run. Before, a first ask from a goroutine raced with the
// hub: the race detector reported it, and a cancellation could be lost.
func TestTimeoutContextAskedFromGoroutinesRacingTheHub(t *testing.T) {
	const askers = 2
	runs := int32(300)
	if raceEnabled {
		runs = 100
	}
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		a := &runAsker{to: NewTimeout(0, nil)}
		done := make(chan struct{}, askers)
		for range askers {
			go a.ask(done)
		}
		for run := int32(1); run <= runs; run++ {
			a.started.Store(run)
			require.NoError(t, a.to.Start())
			if run%2 == 1 {
				require.ErrorIs(t, Sleep(bg, time.Second), a.to)
			} else {
				require.NoError(t, Sleep(bg, 0))
				a.to.Cancel()
			}
			a.ended.Store(run)
			require.ErrorIs(t, context.Cause(a.to.Context()), a.cause(run), "run %d", run)
			// Let an ask begin between this run's end and the next Start,
			// so that the askers see every run.
			n := a.asks.Load()
			pollHub(t, func() bool { return a.asks.Load() > n+1 })
		}
		a.stop.Store(true)
		pollHub(t, func() bool { return len(done) == askers })
		for range askers {
			<-done
		}
		assert.Zero(t, a.wrong.Load(), "asks after a run's end got a context not done with its cause")
		assert.Greater(t, len(a.seen), 1, "the askers saw several runs")
		for _, ctx := range a.seen {
			require.Error(t, ctx.Err(), "a context that outlived its run")
		}
	})
}

// earlyDeadline is a context whose first Deadline call reports a deadline
// early by, as a libev clock read an instant before Go's makes the hub's
// deadline timer fire early.
type earlyDeadline struct {
	context.Context
	early time.Duration
	asked atomic.Bool
}

func (c *earlyDeadline) Deadline() (time.Time, bool) {
	dl, ok := c.Context.Deadline()
	if !c.asked.Swap(true) {
		dl = dl.Add(-c.early)
	}
	return dl, ok
}

// TestDeadlineErrorNeverComesBeforeTheDeadline: a deadline timer that fires
// before ctx's deadline (here made early on purpose by 40 ms; on a real
// context by the instant between libev's clock read and Go's) waits out the
// rest, so the wait ends named as ctx's end, never with a bare deadline
// error that ctxwait.Ended cannot tell from a kill.
func TestDeadlineErrorNeverComesBeforeTheDeadline(t *testing.T) {
	err := Main(func() error {
		inner, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
		defer cancel()
		dl, _ := inner.Deadline()
		ctx := &earlyDeadline{Context: inner, early: 40 * time.Millisecond}
		err := Sleep(ctx, time.Hour)
		assert.False(t, time.Now().Before(dl), "the wait ended %v before ctx's deadline", time.Until(dl))
		assert.ErrorIs(t, err, ErrTimeout)
		var e *Error
		assert.True(t, errors.As(err, &e) && e.Op == "Sleep" && e.Err == error(deadlineError{}), "named as ctx's end: %#v", err)
		return nil
	})
	require.NoError(t, err)
}

// Hub.Join's deadline timer, rearmed because it fired before ctx's deadline
// (made to fire at 20 ms of its 1 s on purpose), stays weak: the loop still runs
// dry when the last greenlet ends, Join returns nil then, and afterwards the
// loop counts nothing of it (a second Join returns at once).
func TestHubJoinDeadlineRearmedStaysWeak(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		inner, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		ctx := &earlyDeadline{Context: inner, early: time.Second - 20*time.Millisecond}
		slept := false
		// Ends after the early timer fired and was rearmed.
		Go(func() error {
			err := Sleep(bg, 60*time.Millisecond)
			slept = true
			return err
		})
		require.NoError(t, h.Join(ctx))
		assert.True(t, slept, "Join returned when the loop ran dry, not before")
		start := time.Now()
		require.NoError(t, h.Join(within(t, 5*time.Second)), "the rearmed timer left no count on the loop")
		assert.Less(t, time.Since(start), time.Second)
	})
}

// Regression: WaitContext returned the bare context error for a cancel, the
// cause bare, and, for a deadline the hub's timer saw an instant before ctx
// reported it (most runs), the internal Waiter.Get error, which broke its
// own doc. Every end now comes in an *Error naming WaitContext that wraps
// the cause or ContextError's error; a kill's error comes back as it is.
func TestWaitContextNamesItself(t *testing.T) {
	opOf := func(err error) string {
		var e *Error
		if errors.As(err, &e) {
			return e.Op
		}
		return "bare " + err.Error()
	}
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx, cancel := context.WithCancel(bg)
		cancel()
		err := WaitContext(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, "WaitContext", opOf(err), "cancelled")

		why := errors.New("why")
		ctx, cancelCause := context.WithCancelCause(bg)
		cancelCause(why)
		err = WaitContext(ctx)
		assert.ErrorIs(t, err, why)
		assert.Equal(t, "WaitContext", opOf(err), "cancelled with a cause")

		// Each deadline may be seen by the hub's timer before ctx reports
		// it, or after: every run must name the call.
		for i := range 20 {
			err = WaitContext(within(t, time.Millisecond))
			assert.ErrorIs(t, err, ErrTimeout, "run %d", i)
			assert.ErrorIs(t, err, context.DeadlineExceeded, "run %d", i)
			assert.True(t, os.IsTimeout(err), "run %d", i)
			assert.Equal(t, "WaitContext", opOf(err), "deadline, run %d", i)
		}

		ctx, cancel = context.WithCancel(bg)
		defer cancel()
		g := Go(func() error { return WaitContext(ctx) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, g.Kill(bg, context.Canceled))
		assert.Same(t, context.Canceled, g.Err(), "a kill comes back as it is")
	})
}

// Regression: a wait bounded by a Timeout's Context, which the timeout
// cancels with its own error as the cause, matched only context.Canceled:
// not ErrTimeout, nor os.IsTimeout, though it gave up on its time limit.
func TestTimeoutContextEndsAWaitAsATimeout(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		// Started from a callback, it is thrown into no greenlet: only its
		// Context ends, as for the workers a greenlet hands it to.
		to := NewTimeout(time.Millisecond, nil)
		_, err := h.RunCallback(func() { assert.NoError(t, to.Start()) })
		require.NoError(t, err)
		require.NoError(t, Sleep(bg, 0))
		defer to.Cancel()
		err = Sleep(to.Context(), time.Hour)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		assert.True(t, os.IsTimeout(err))
		var got *Timeout
		require.ErrorAs(t, err, &got)
		assert.Same(t, to, got)

		// A cause that matches ErrTimeout but says nothing of Timeout()
		// itself: the wait's error says it timed out on its own.
		ctx, cancelCause := context.WithCancelCause(bg)
		cancelCause(fmt.Errorf("budget spent: %w", ErrTimeout))
		err = Sleep(ctx, time.Hour)
		assert.ErrorIs(t, err, ErrTimeout, "a cause matching ErrTimeout")
		assert.ErrorIs(t, err, context.Canceled, "a cause matching ErrTimeout")
		assert.True(t, os.IsTimeout(err), "a cause matching ErrTimeout")

		ctx, cancel := context.WithCancel(bg)
		cancel()
		err = Sleep(ctx, time.Hour)
		assert.NotErrorIs(t, err, ErrTimeout, "a plain cancel is no timeout")
		assert.False(t, os.IsTimeout(err))
	})
}

// Regression: a wait bounded by the Context of a Timeout made with a custom
// error (NewTimeout(d, err), gevent's Timeout(seconds, exception)) matched
// only context.Canceled once the timeout fired: the custom error, which the
// timeout raises in its greenlet and gives its Context as the cause, was
// lost, so the wait could not tell which limit ended it. It matches both
// now, and as the raised custom error does, not ErrTimeout.
func TestCustomTimeoutContextEndsAWaitWithItsError(t *testing.T) {
	errBudget := errors.New("budget spent")
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		to := NewTimeout(time.Millisecond, errBudget)
		_, err := h.RunCallback(func() { assert.NoError(t, to.Start()) })
		require.NoError(t, err)
		require.NoError(t, Sleep(bg, 0))
		defer to.Cancel()
		derived, cancel := context.WithCancel(to.Context())
		defer cancel()
		for name, ctx := range map[string]context.Context{"its Context": to.Context(), "a context derived from it": derived} {
			err = Sleep(ctx, time.Hour)
			assert.ErrorIs(t, err, errBudget, name)
			assert.ErrorIs(t, err, context.Canceled, name)
			assert.NotErrorIs(t, err, ErrTimeout, "%s: the custom error replaces the timeout's, as when raised", name)
			assert.False(t, os.IsTimeout(err), name)
		}

		// Another cause for a context derived from it is that cause's, not the timeout's.
		other, cancelOther := context.WithCancelCause(NewTimeout(-1, errBudget).Context())
		cancelOther(errors.New("caller gave up"))
		err = Sleep(other, time.Hour)
		assert.NotErrorIs(t, err, errBudget)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// Regression: a context given a cause with its deadline (WithTimeoutCause)
// came back from WaitContext as the bare deadline error, without the cause
// its doc promises, whenever the hub's timer saw the deadline an instant
// before ctx reported it (most runs): WaitContext read context.Cause while
// ctx was not done yet. It now waits for ctx itself to report its end.
func TestWaitContextDeadlineCause(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		why := errors.New("why")
		for i := range 20 {
			ctx, cancel := context.WithTimeoutCause(bg, time.Millisecond, why)
			err := WaitContext(ctx)
			cancel()
			assert.ErrorIs(t, err, why, "run %d", i)
			var e *Error
			if assert.ErrorAs(t, err, &e, "run %d", i) {
				assert.Equal(t, "WaitContext", e.Op, "run %d", i)
			}
		}
	})
}

// softDeadline reports a deadline it never enforces: its Done closes only
// on a cancel. It breaks context.Context's contract, which a caller's own
// type may do.
type softDeadline struct {
	context.Context
	dl time.Time
}

func (c softDeadline) Deadline() (time.Time, bool) { return c.dl, true }

// Regression: WaitContext, once the hub's timer saw the deadline first,
// waits for ctx's own end to read its cause; a context whose deadline passed
// but that never reports its end kept it waiting for good. It gives up after
// a grace and returns the deadline's error. Timing-sensitive by nature (the
// grace is a second): the bound is generous.
func TestWaitContextSoftDeadlineTimingGrace(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		live, cancel := context.WithCancel(bg)
		defer cancel()
		ctx := softDeadline{live, time.Now().Add(time.Millisecond)}
		g := Spawn(func() (error, error) { return WaitContext(ctx), nil })
		if !assert.NoError(t, g.Join(within(t, 10*time.Second)), "WaitContext still waits") {
			require.NoError(t, g.Kill(bg, nil))
			return
		}
		err := g.Value()
		assert.ErrorIs(t, err, ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "WaitContext", e.Op)
	})
}
