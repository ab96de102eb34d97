package scheduler

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
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
	assert.ErrorIs(t, Main(func() error { return nil }), ErrHubExists)
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
