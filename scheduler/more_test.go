package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSleep0RoundRobin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		var gs []*Greenlet[struct{}]
		for _, name := range []string{"a", "b", "c"} {
			gs = append(gs, Go(func() error {
				for i := range 3 {
					trace = append(trace, fmt.Sprint(name, i))
					if err := Sleep(bg, 0); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		_, err := JoinAll(bg, gs)
		require.NoError(t, err)
		assert.Equal(t, []string{"a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"}, trace)
	})
}

func TestRunCallbackOrderAndStop(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		var trace []int
		h.RunCallback(func() {
			trace = append(trace, 1)
			h.RunCallback(func() { trace = append(trace, 4) }) // same drain
		})
		cb := h.RunCallback(func() { trace = append(trace, 99) })
		h.RunCallback(func() { panic("callback boom") })
		h.RunCallback(func() { trace = append(trace, 3) })
		assert.True(t, cb.Pending())
		cb.Stop()
		assert.False(t, cb.Pending())
		require.NoError(t, Sleep(bg, 0))
		// 4 was queued during the drain, after main's own wake-up.
		assert.Equal(t, []int{1, 3}, trace)
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []int{1, 3, 4}, trace)
		assert.Contains(t, errs.String(), "callback boom")
		// Everything so far ran inside the first drain; a timer needs a
		// loop iteration.
		require.NoError(t, Sleep(bg, time.Millisecond))
		st := h.Stats()
		assert.GreaterOrEqual(t, st.CallbacksRun, uint64(4))
		assert.Positive(t, st.Switches)
		assert.Positive(t, st.Iterations)
	})
}

func TestGetVariants(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		errBad := errors.New("bad")
		ok := Spawn(func() (string, error) { return "v", nil })
		bad := Spawn(func() (string, error) { return "", errBad })
		slow := Spawn(func() (int, error) { return 7, Sleep(bg, 50*time.Millisecond) })

		_, err := slow.TryGet()
		assert.ErrorIs(t, err, ErrNotReady)

		v, err := ok.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "v", v)
		_, err = bad.Get(bg)
		assert.ErrorIs(t, err, errBad)
		_, err = bad.Get(bg) // re-raised every time
		assert.ErrorIs(t, err, errBad)

		_, err = slow.Get(within(t, 5*time.Millisecond))
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, slow.Ready(), "a timed-out Get leaves the greenlet running")
		n, err := slow.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 7, n)
	})
}

func TestJoinTimeout(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return Sleep(bg, 50*time.Millisecond) })
		err := g.Join(within(t, 5*time.Millisecond))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, g.Ready())
		require.NoError(t, g.Join(bg))
		assert.True(t, g.Successful())
	})
}

func TestKillVariants(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		blocked := Go(func() error {
			defer func() { trace = append(trace, "blocked defer") }()
			err := Sleep(bg, time.Hour)
			trace = append(trace, fmt.Sprint("blocked got ", errors.Is(err, ErrGreenletExit)))
			return err
		})
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, blocked.Kill(bg, nil))
		assert.True(t, blocked.Dead())
		assert.True(t, blocked.Successful())
		assert.ErrorIs(t, blocked.ExitErr(), ErrGreenletExit)
		assert.Equal(t, []string{"blocked got true", "blocked defer"}, trace)

		ran := false
		unstarted := Go(func() error { ran = true; return nil })
		assert.True(t, unstarted.Started())
		require.NoError(t, unstarted.Kill(bg, nil))
		assert.True(t, unstarted.Dead())
		assert.False(t, unstarted.Started())
		require.NoError(t, Sleep(bg, 0))
		assert.False(t, ran, "a greenlet killed before it ran never runs")

		errCustom := errors.New("custom")
		custom := Go(func() error { return Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, custom.Kill(bg, errCustom))
		assert.False(t, custom.Successful())
		assert.ErrorIs(t, custom.Err(), errCustom)

		nb := Go(func() error { return Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, nb.KillAsync(nil))
		assert.False(t, nb.Dead(), "non-blocking kill returns before the throw")
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, nb.Dead())

		caught := Spawn(func() (string, error) {
			err := Sleep(bg, time.Hour)
			if errors.Is(err, ErrGreenletExit) {
				if err := Sleep(bg, 20*time.Millisecond); err != nil {
					return "", err
				}
				return "survived", nil
			}
			return "", err
		})
		require.NoError(t, Sleep(bg, 0))
		err := caught.Kill(within(t, 2*time.Millisecond), nil)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, caught.Dead())
		v, err := caught.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "survived", v)

		self := Go(func() error {
			return GetCurrent().Kill(bg, nil)
		})
		require.NoError(t, self.Join(bg))
		assert.True(t, self.Successful())
		assert.ErrorIs(t, self.ExitErr(), ErrGreenletExit)
	})
}

func TestKillAll(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		var gs []*Greenlet[struct{}]
		for i := range 3 {
			gs = append(gs, Go(func() error {
				err := Sleep(bg, time.Hour)
				trace = append(trace, fmt.Sprint(i))
				return err
			}))
		}
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, KillAll(bg, gs, nil))
		assert.Equal(t, []string{"0", "1", "2"}, trace)
		for _, g := range gs {
			assert.True(t, g.Dead())
		}
	})
}

func TestLinksOrder(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		var trace []string
		g := Go(func() error { return Sleep(bg, 0) })
		g.Rawlink(func(Linkable) { trace = append(trace, "raw1") })
		g.LinkException(func(Linkable) { trace = append(trace, "exception") })
		g.LinkValue(func(l Linkable) {
			trace = append(trace, "value")
			// A Link callback runs in its own greenlet and may block.
			require.NoError(t, Sleep(bg, time.Millisecond))
			trace = append(trace, "value after sleep")
		})
		id := g.Rawlink(func(Linkable) { trace = append(trace, "unlinked") })
		g.Rawlink(func(Linkable) { panic("link boom") })
		g.Rawlink(func(Linkable) { trace = append(trace, "raw2") })
		g.Unlink(id)
		require.NoError(t, g.Join(bg))
		assert.Equal(t, []string{"raw1", "value", "raw2"}, trace)
		require.NoError(t, Sleep(bg, 5*time.Millisecond))
		assert.Equal(t, []string{"raw1", "value", "raw2", "value after sleep"}, trace)
		assert.Contains(t, errs.String(), "link boom")
		assert.False(t, g.HasLinks())

		// Linking to a dead greenlet schedules the link; it is not called inline.
		called := false
		g.Rawlink(func(Linkable) { called = true })
		assert.False(t, called)
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, called)
	})
}

func TestTimeoutForms(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		outer := startTimeout(t, 50*time.Millisecond)
		inner := startTimeout(t, 5*time.Millisecond)
		assert.True(t, inner.Pending())
		err := Sleep(bg, time.Second)
		assert.ErrorIs(t, err, inner)
		assert.NotErrorIs(t, err, outer)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, inner.Pending())
		assert.True(t, inner.Fired())
		outer.Cancel()
		assert.False(t, outer.Pending())

		errSlow := errors.New("slow")
		tc := startTimeoutErr(t, time.Millisecond, errSlow)
		err = Sleep(bg, time.Second)
		assert.ErrorIs(t, err, errSlow)
		tc.Cancel()

		never := startTimeout(t, -1)
		assert.False(t, never.Pending())
		require.NoError(t, Sleep(bg, time.Millisecond))
		never.Cancel()

		// Restart after firing; Start of a pending timeout is an error.
		re := NewTimeout(time.Millisecond, nil)
		require.NoError(t, re.Start())
		assert.ErrorIs(t, re.Start(), ErrTimeoutPending)
		assert.ErrorIs(t, Sleep(bg, time.Second), re)
		require.NoError(t, re.Start())
		re.Cancel()

		// Timeout(0) does not fire at a Sleep(bg, 0), only at a real block.
		z := startTimeout(t, 0)
		require.NoError(t, Sleep(bg, 0))
		assert.ErrorIs(t, Sleep(bg, 10*time.Millisecond), z)

		v, err := WithTimeout(time.Millisecond, func() (int, error) {
			return 1, Sleep(bg, time.Second)
		})
		assert.ErrorIs(t, err, ErrTimeout)
		assert.Zero(t, v)
		v, err = WithTimeout(time.Second, func() (int, error) { return 2, nil })
		require.NoError(t, err)
		assert.Equal(t, 2, v)

		// A timeout fires only in the greenlet that started it.
		g := Spawn(func() (string, error) {
			to := startTimeout(t, time.Millisecond)
			defer to.Cancel()
			err := Sleep(bg, time.Second)
			if errors.Is(err, to) {
				return "timed out", nil
			}
			return "", err
		})
		s, err := g.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "timed out", s)
	})
}

func TestWaitAndIWait(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		mk := func(name string, d time.Duration) *Greenlet[string] {
			g := Spawn(func() (string, error) { return name, Sleep(bg, d) })
			g.SetName(name)
			return g
		}
		a, b, c := mk("a", 20*time.Millisecond), mk("b", 10*time.Millisecond), mk("c", 0)
		done, err := Wait(bg, []*Greenlet[string]{a, b, c}, 0)
		require.NoError(t, err)
		var names []string
		for _, g := range done {
			names = append(names, g.Value())
		}
		assert.Equal(t, []string{"c", "b", "a"}, names, "completion order")

		x, y := mk("x", 30*time.Millisecond), mk("y", 0)
		got, err := Wait(within(t, 10*time.Millisecond), []Linkable{x, y}, 0)
		assert.ErrorIs(t, err, ErrTimeout, "the deadline ends the wait")
		require.Len(t, got, 1)
		assert.Same(t, y, got[0])

		var order []string
		for l, err := range IWait(bg, []Linkable{x, y}, 0) {
			require.NoError(t, err)
			order = append(order, l.(*Greenlet[string]).Value())
		}
		assert.Equal(t, []string{"y", "x"}, order)
	})
}

func TestJoinAllRaiseError(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		errBad := errors.New("bad")
		ok := Go(func() error { return Sleep(bg, 20*time.Millisecond) })
		bad := Go(func() error { return errBad })
		_, err := JoinAll(bg, []*Greenlet[struct{}]{ok, bad})
		assert.ErrorIs(t, err, errBad)
		assert.False(t, ok.Ready(), "others keep running")
		require.NoError(t, ok.Join(bg))
	})
}

func TestGoexitReported(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		deferred := false
		g := Go(func() error {
			defer func() { deferred = true }()
			runtime.Goexit()
			return nil
		})
		require.NoError(t, g.Join(bg))
		assert.True(t, deferred)
		assert.ErrorIs(t, g.Err(), ErrGoexit)
		assert.Contains(t, errs.String(), "Goexit")
		// The hub survives.
		require.NoError(t, Sleep(bg, time.Millisecond))
		g2 := Spawn(func() (int, error) { return 5, nil })
		v, err := g2.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 5, v)
	})
}

func TestForeignGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return Sleep(bg, 5*time.Millisecond) })
		w := NewWaiter("")
		var errs [5]error
		done := make(chan struct{})
		go func() {
			defer close(done)
			errs[0] = g.Join(bg)
			_, errs[1] = w.Get(bg)
			_, errs[2] = h.Switch()
			errs[3] = g.KillAsync(nil)
			_, errs[4] = g.TryGet()
		}()
		<-done
		for _, err := range errs {
			assert.ErrorIs(t, err, ErrNotGreenlet)
		}
		require.NoError(t, g.Join(bg))
	})
}

func TestRawGreenletGetsErrNotGreenlet(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		raw, err := greenlet.NewWithParent(greenlet.Current(), func(any) (any, error) {
			assert.Nil(t, CurrentHub(), "a raw greenlet is not one of the hub's")
			return nil, Sleep(bg, 0)
		})
		require.NoError(t, err)
		_, err = raw.Switch(nil)
		assert.ErrorIs(t, err, ErrNotGreenlet)
	})
}

func TestPostFromManyGoroutines(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		const n, per = 8, 200
		total := 0
		w := NewWaiter("")
		release := h.KeepAlive()
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range per {
					assert.NoError(t, h.Post(func() {
						total++
						if total == n*per {
							release()
							w.Switch("all")
						}
					}))
				}
			}()
		}
		v, err := w.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "all", v)
		assert.Equal(t, n*per, total)
		wg.Wait()
	})
}

func TestDestroyRunsDefers(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	var buf bytes.Buffer
	h.SetErrorOutput(&buf)
	var trace []string
	for i := range 3 {
		Go(func() error {
			defer func() { trace = append(trace, fmt.Sprint("defer ", i)) }()
			return Sleep(bg, time.Hour)
		})
	}
	neverRan := Go(func() error { trace = append(trace, "never"); return nil })
	require.NoError(t, Sleep(bg, 0))
	neverRan.Start()
	unstarted := New(func() (int, error) { return 0, nil })
	_ = unstarted
	Go(func() error { return nil }) // pending at Destroy: never runs
	require.NoError(t, h.Destroy())
	assert.ElementsMatch(t, []string{"never", "defer 0", "defer 1", "defer 2"}, trace)
	assert.True(t, h.Destroyed())
	assert.ErrorIs(t, h.Post(func() {}), ErrHubDestroyed)
	require.NoError(t, h.Destroy())
	// No call creates a hub; the goroutine may create a fresh one.
	assert.Nil(t, CurrentHub())
	assert.ErrorIs(t, Sleep(bg, 0), ErrNotGreenlet)
	h2, err := NewHub()
	require.NoError(t, err)
	assert.NotSame(t, h, h2)
	require.NoError(t, Sleep(bg, 0))
	require.NoError(t, h2.Destroy())
}

func TestBlockingDetector(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var mu sync.Mutex
		var reports []error
		h.SetErrorHandler(func(err error) {
			mu.Lock()
			reports = append(reports, err)
			mu.Unlock()
		})
		h.SetBlockingThreshold(20 * time.Millisecond)
		g := Go(func() error {
			busyUntil(time.Now().Add(150 * time.Millisecond))
			return nil
		})
		g.SetName("cpu-hog")
		require.NoError(t, g.Join(bg))
		// Sleeping in the loop's poll is not blocking.
		require.NoError(t, Sleep(bg, 80*time.Millisecond))
		h.SetBlockingThreshold(0)
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, reports, 1, "reported once per stall")
		var be *BlockingError
		require.ErrorAs(t, reports[0], &be)
		assert.ErrorIs(t, reports[0], ErrBlockingHub)
		assert.Equal(t, "cpu-hog", be.Greenlet)
		assert.Contains(t, be.Stack, "busyUntil")
	})
}

//go:noinline
func busyUntil(t time.Time) {
	for time.Now().Before(t) {
	}
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

func TestRunBlocking(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ticks := 0
		ticker := Go(func() error {
			for range 3 {
				if err := Sleep(bg, time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
			return nil
		})
		v, err := RunBlocking(bg, func() (int, error) {
			time.Sleep(20 * time.Millisecond)
			return 42, nil
		})
		require.NoError(t, err)
		assert.Equal(t, 42, v)
		assert.Equal(t, 3, ticks, "the hub ran other greenlets meanwhile")
		require.NoError(t, ticker.Join(bg))
	})
}

func TestHubSwitchLoopExitAndReuse(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		_, err := h.Switch()
		assert.ErrorIs(t, err, ErrLoopExit)
		require.NoError(t, Sleep(bg, time.Millisecond))
		w := NewWaiter("")
		_, err = w.Get(bg)
		assert.ErrorIs(t, err, ErrLoopExit)
	})
}

func TestHubJoin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		n := 0
		for range 3 {
			Go(func() error { n++; return Sleep(bg, time.Millisecond) })
		}
		require.NoError(t, h.Join(bg))
		assert.Equal(t, 3, n)

		stuck := Go(func() error { _, err := NewWaiter("forever").Get(bg); return err })
		stuck.SetName("stuck")
		err := h.Join(bg)
		var le *LoopExitError
		require.ErrorAs(t, err, &le)
		require.Len(t, le.Blocked, 1)
		assert.Equal(t, "stuck", le.Blocked[0].Name)
		assert.Equal(t, "forever", le.Blocked[0].WaitingOn)
	})
}

func TestIdle(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		Go(func() error {
			for i := range 3 {
				trace = append(trace, fmt.Sprint("yield", i))
				if err := Sleep(bg, 0); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, Idle(bg, 0))
		trace = append(trace, "idle")
		assert.Equal(t, []string{"yield0", "yield1", "yield2", "idle"}, trace)
	})
}

func TestCurrentAndNames(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		assert.Nil(t, GetCurrent())
		g1 := Spawn(func() (string, error) { return GetCurrent().Name(), nil })
		g2 := New(func() (string, error) { return "", nil })
		var n1, n2 int
		_, err := fmt.Sscanf(g1.Name(), "Greenlet-%d", &n1)
		require.NoError(t, err)
		_, err = fmt.Sscanf(g2.Name(), "Greenlet-%d", &n2)
		require.NoError(t, err)
		assert.Equal(t, n1+1, n2)
		v, err := g1.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, g1.Name(), v)
		g2.SetName("custom")
		assert.Equal(t, "custom", g2.Name())
	})
}

func TestCurrentHubAndOnHub(t *testing.T) {
	done := make(chan *Hub)
	go func() { done <- CurrentHub() }()
	assert.Nil(t, <-done)
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		assert.Same(t, h, CurrentHub())
		assert.True(t, h.OnHub())
		assert.False(t, h.InHub())
		inHub := false
		h.RunCallback(func() { inHub = h.InHub() })
		g := Spawn(func() (bool, error) { return h.OnHub() && !h.InHub(), nil })
		v, err := g.Get(bg)
		require.NoError(t, err)
		assert.True(t, v)
		assert.True(t, inHub)
		foreign := make(chan bool)
		go func() { foreign <- h.OnHub() }()
		assert.False(t, <-foreign)
	})
}

// TestSwitchEach: on the hub, SwitchEach wakes the waiters next returns in
// order, each with its value, running each woken greenlet until it blocks
// again before asking next for the following waiter; a waiter nobody waits
// on keeps the value for its next Get. From a greenlet it defers the
// wake-ups to hub callbacks, as Switch does.
func TestSwitchEach(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		ws := []*Waiter{NewWaiter(""), NewWaiter(""), NewWaiter("")}
		for i, w := range ws[:2] {
			Go(func() error {
				v, err := w.Get(bg)
				trace = append(trace, fmt.Sprintf("woke %d with %v", i, v))
				return err
			})
		}
		require.NoError(t, Sleep(bg, 0))
		i := 0
		next := func() (*Waiter, any) {
			if i == len(ws) {
				return nil, nil
			}
			trace = append(trace, fmt.Sprintf("next %d", i))
			i++
			return ws[i-1], i * 10
		}
		h.RunCallback(func() { h.SwitchEach(next) })
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []string{"next 0", "woke 0 with 10", "next 1", "woke 1 with 20", "next 2"}, trace)
		v, err := ws[2].Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 30, v)

		// From a greenlet (here main): deferred to callbacks.
		w := NewWaiter("")
		var got any
		Go(func() error {
			var err error
			got, err = w.Get(bg)
			return err
		})
		require.NoError(t, Sleep(bg, 0))
		sent := false
		h.SwitchEach(func() (*Waiter, any) {
			if sent {
				return nil, nil
			}
			sent = true
			return w, "later"
		})
		assert.Nil(t, got)
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, "later", got)
	})
}

// TestWaitFirstCallCreatesHub: a timed Wait is a goroutine's first scheduler
// call like any other: it creates the hub and times out; without a time
// limit, on objects nothing can make ready, it is refused without a hub.
// No scheduler call creates a hub: a goroutine without one gets
// ErrNotGreenlet from a wait, with or without a deadline, and is left
// without a hub.
func TestWaitWithoutHubCreatesNone(t *testing.T) {
	for _, ctx := range []context.Context{within(t, 5*time.Millisecond), bg} {
		res := make(chan error)
		go func() {
			_, err := Wait(ctx, []Linkable{newTestLinkable()}, 0)
			if CurrentHub() != nil {
				err = errors.New("a hub was created")
			}
			res <- err
		}()
		assert.ErrorIs(t, <-res, ErrNotGreenlet)
	}
}

// neverReady is a Linkable bound to no hub that never becomes ready.
type neverReady struct{ links int }

func newTestLinkable() *neverReady                  { return &neverReady{} }
func (n *neverReady) Ready() bool                   { return false }
func (n *neverReady) Rawlink(func(Linkable)) LinkID { n.links++; return LinkID(n.links) }
func (n *neverReady) Unlink(LinkID)                 { n.links-- }
