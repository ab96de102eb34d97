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
					if err := Sleep(0); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		_, err := JoinAll(gs, Forever, true)
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
		require.NoError(t, Sleep(0))
		// 4 was queued during the drain, after main's own wake-up.
		assert.Equal(t, []int{1, 3}, trace)
		require.NoError(t, Sleep(0))
		assert.Equal(t, []int{1, 3, 4}, trace)
		assert.Contains(t, errs.String(), "callback boom")
		// Everything so far ran inside the first drain; a timer needs a
		// loop iteration.
		require.NoError(t, Sleep(time.Millisecond))
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
		slow := Spawn(func() (int, error) { return 7, Sleep(50 * time.Millisecond) })

		_, err := slow.Get(false, Forever)
		assert.ErrorIs(t, err, ErrTimeout)

		v, err := ok.Get(true, Forever)
		require.NoError(t, err)
		assert.Equal(t, "v", v)
		_, err = bad.Get(true, Forever)
		assert.ErrorIs(t, err, errBad)
		_, err = bad.Get(true, Forever) // re-raised every time
		assert.ErrorIs(t, err, errBad)

		_, err = slow.Get(true, 5*time.Millisecond)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, slow.Ready(), "a timed-out Get leaves the greenlet running")
		n, err := slow.Get(true, Forever)
		require.NoError(t, err)
		assert.Equal(t, 7, n)
	})
}

func TestJoinTimeout(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return Sleep(50 * time.Millisecond) })
		err := g.Join(5 * time.Millisecond)
		var to *Timeout
		require.ErrorAs(t, err, &to)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, g.Ready())
		require.NoError(t, g.Join(Forever))
		assert.True(t, g.Successful())
	})
}

func TestKillVariants(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		blocked := Go(func() error {
			defer func() { trace = append(trace, "blocked defer") }()
			err := Sleep(time.Hour)
			trace = append(trace, fmt.Sprint("blocked got ", errors.Is(err, ErrGreenletExit)))
			return err
		})
		require.NoError(t, Sleep(0))
		require.NoError(t, blocked.Kill(nil, true, Forever))
		assert.True(t, blocked.Dead())
		assert.True(t, blocked.Successful())
		assert.ErrorIs(t, blocked.ExitErr(), ErrGreenletExit)
		assert.Equal(t, []string{"blocked got true", "blocked defer"}, trace)

		ran := false
		unstarted := Go(func() error { ran = true; return nil })
		assert.True(t, unstarted.Started())
		require.NoError(t, unstarted.Kill(nil, true, Forever))
		assert.True(t, unstarted.Dead())
		assert.False(t, unstarted.Started())
		require.NoError(t, Sleep(0))
		assert.False(t, ran, "a greenlet killed before it ran never runs")

		errCustom := errors.New("custom")
		custom := Go(func() error { return Sleep(time.Hour) })
		require.NoError(t, Sleep(0))
		require.NoError(t, custom.Kill(errCustom, true, Forever))
		assert.False(t, custom.Successful())
		assert.ErrorIs(t, custom.Err(), errCustom)

		nb := Go(func() error { return Sleep(time.Hour) })
		require.NoError(t, Sleep(0))
		require.NoError(t, nb.Kill(nil, false, Forever))
		assert.False(t, nb.Dead(), "non-blocking kill returns before the throw")
		require.NoError(t, Sleep(0))
		assert.True(t, nb.Dead())

		caught := Spawn(func() (string, error) {
			err := Sleep(time.Hour)
			if errors.Is(err, ErrGreenletExit) {
				if err := Sleep(20 * time.Millisecond); err != nil {
					return "", err
				}
				return "survived", nil
			}
			return "", err
		})
		require.NoError(t, Sleep(0))
		err := caught.Kill(nil, true, 2*time.Millisecond)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, caught.Dead())
		v, err := caught.Get(true, Forever)
		require.NoError(t, err)
		assert.Equal(t, "survived", v)

		self := Go(func() error {
			return GetCurrent().Kill(nil, true, Forever)
		})
		require.NoError(t, self.Join(Forever))
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
				err := Sleep(time.Hour)
				trace = append(trace, fmt.Sprint(i))
				return err
			}))
		}
		require.NoError(t, Sleep(0))
		require.NoError(t, KillAll(gs, nil, true, Forever))
		assert.Equal(t, []string{"0", "1", "2"}, trace)
		for _, g := range gs {
			assert.True(t, g.Dead())
		}
	})
}

func TestLinksOrder(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		var trace []string
		g := Go(func() error { return Sleep(0) })
		g.Rawlink(func(Linkable) { trace = append(trace, "raw1") })
		g.LinkException(func(Linkable) { trace = append(trace, "exception") })
		g.LinkValue(func(l Linkable) {
			trace = append(trace, "value")
			// A Link callback runs in its own greenlet and may block.
			require.NoError(t, Sleep(time.Millisecond))
			trace = append(trace, "value after sleep")
		})
		id := g.Rawlink(func(Linkable) { trace = append(trace, "unlinked") })
		g.Rawlink(func(Linkable) { panic("link boom") })
		g.Rawlink(func(Linkable) { trace = append(trace, "raw2") })
		g.Unlink(id)
		require.NoError(t, g.Join(Forever))
		assert.Equal(t, []string{"raw1", "value", "raw2"}, trace)
		require.NoError(t, Sleep(5*time.Millisecond))
		assert.Equal(t, []string{"raw1", "value", "raw2", "value after sleep"}, trace)
		assert.Contains(t, errs.String(), "link boom")
		assert.False(t, g.HasLinks())

		// Linking to a dead greenlet schedules the link; it is not called inline.
		called := false
		g.Rawlink(func(Linkable) { called = true })
		assert.False(t, called)
		require.NoError(t, Sleep(0))
		assert.True(t, called)
	})
}

func TestTimeoutForms(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		outer := StartTimeout(50 * time.Millisecond)
		inner := StartTimeout(5 * time.Millisecond)
		assert.True(t, inner.Pending())
		err := Sleep(time.Second)
		assert.ErrorIs(t, err, inner)
		assert.NotErrorIs(t, err, outer)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, inner.Pending())
		assert.True(t, inner.Fired())
		outer.Cancel()
		assert.False(t, outer.Pending())

		errSlow := errors.New("slow")
		tc := StartTimeoutError(time.Millisecond, errSlow)
		err = Sleep(time.Second)
		assert.ErrorIs(t, err, errSlow)
		tc.Cancel()

		never := StartTimeout(Forever)
		assert.False(t, never.Pending())
		require.NoError(t, Sleep(time.Millisecond))
		never.Cancel()

		// Restart after firing; Start of a pending timeout is an error.
		re := NewTimeout(time.Millisecond, nil)
		require.NoError(t, re.Start())
		assert.ErrorIs(t, re.Start(), ErrTimeoutPending)
		assert.ErrorIs(t, Sleep(time.Second), re)
		require.NoError(t, re.Start())
		re.Cancel()

		// Timeout(0) does not fire at a Sleep(0), only at a real block.
		z := StartTimeout(0)
		require.NoError(t, Sleep(0))
		assert.ErrorIs(t, Sleep(10*time.Millisecond), z)

		v, err := WithTimeout(time.Millisecond, func() (int, error) {
			return 1, Sleep(time.Second)
		})
		assert.ErrorIs(t, err, ErrTimeout)
		assert.Zero(t, v)
		v, err = WithTimeout(time.Second, func() (int, error) { return 2, nil })
		require.NoError(t, err)
		assert.Equal(t, 2, v)

		// A timeout fires only in the greenlet that started it.
		g := Spawn(func() (string, error) {
			to := StartTimeout(time.Millisecond)
			defer to.Cancel()
			err := Sleep(time.Second)
			if errors.Is(err, to) {
				return "timed out", nil
			}
			return "", err
		})
		s, err := g.Get(true, Forever)
		require.NoError(t, err)
		assert.Equal(t, "timed out", s)
	})
}

func TestWaitAndIWait(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		mk := func(name string, d time.Duration) *Greenlet[string] {
			g := Spawn(func() (string, error) { return name, Sleep(d) })
			g.SetName(name)
			return g
		}
		a, b, c := mk("a", 20*time.Millisecond), mk("b", 10*time.Millisecond), mk("c", 0)
		done, err := JoinAll([]*Greenlet[string]{a, b, c}, Forever, false)
		require.NoError(t, err)
		var names []string
		for _, g := range done {
			names = append(names, g.Value())
		}
		assert.Equal(t, []string{"c", "b", "a"}, names, "completion order")

		x, y := mk("x", 30*time.Millisecond), mk("y", 0)
		got, err := Wait([]Linkable{x, y}, 0, 10*time.Millisecond)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Same(t, y, got[0])

		var order []string
		for l, err := range IWait([]Linkable{x, y}, 0, Forever) {
			require.NoError(t, err)
			order = append(order, l.(*Greenlet[string]).Value())
		}
		assert.Equal(t, []string{"y", "x"}, order)
	})
}

func TestJoinAllRaiseError(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		errBad := errors.New("bad")
		ok := Go(func() error { return Sleep(20 * time.Millisecond) })
		bad := Go(func() error { return errBad })
		_, err := JoinAll([]*Greenlet[struct{}]{ok, bad}, Forever, true)
		assert.ErrorIs(t, err, errBad)
		assert.False(t, ok.Ready(), "others keep running")
		require.NoError(t, ok.Join(Forever))
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
		require.NoError(t, g.Join(Forever))
		assert.True(t, deferred)
		assert.ErrorIs(t, g.Err(), ErrGoexit)
		assert.Contains(t, errs.String(), "Goexit")
		// The hub survives.
		require.NoError(t, Sleep(time.Millisecond))
		g2 := Spawn(func() (int, error) { return 5, nil })
		v, err := g2.Get(true, Forever)
		require.NoError(t, err)
		assert.Equal(t, 5, v)
	})
}

func TestForeignGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return Sleep(5 * time.Millisecond) })
		w := NewWaiter()
		var errs [5]error
		done := make(chan struct{})
		go func() {
			defer close(done)
			errs[0] = g.Join(Forever)
			_, errs[1] = w.Get()
			_, errs[2] = h.Switch()
			errs[3] = g.Kill(nil, false, Forever)
			_, errs[4] = g.Get(false, Forever)
		}()
		<-done
		for _, err := range errs {
			assert.ErrorIs(t, err, ErrNotGreenlet)
		}
		require.NoError(t, g.Join(Forever))
	})
}

func TestRawGreenletGetsErrNotGreenlet(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		raw, err := greenlet.NewWithParent(greenlet.Current(), func(any) (any, error) {
			assert.Same(t, h, GetHub())
			return nil, Sleep(0)
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
		w := NewWaiter()
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
		v, err := w.Get()
		require.NoError(t, err)
		assert.Equal(t, "all", v)
		assert.Equal(t, n*per, total)
		wg.Wait()
	})
}

func TestDestroyRunsDefers(t *testing.T) {
	h := GetHub()
	var buf bytes.Buffer
	h.SetErrorOutput(&buf)
	var trace []string
	for i := range 3 {
		Go(func() error {
			defer func() { trace = append(trace, fmt.Sprint("defer ", i)) }()
			return Sleep(time.Hour)
		})
	}
	neverRan := Go(func() error { trace = append(trace, "never"); return nil })
	require.NoError(t, Sleep(0))
	neverRan.Start()
	unstarted := New(func() (int, error) { return 0, nil })
	_ = unstarted
	Go(func() error { return nil }) // pending at Destroy: never runs
	require.NoError(t, h.Destroy())
	assert.ElementsMatch(t, []string{"never", "defer 0", "defer 1", "defer 2"}, trace)
	assert.True(t, h.Destroyed())
	assert.ErrorIs(t, h.Post(func() {}), ErrHubDestroyed)
	require.NoError(t, h.Destroy())
	// The goroutine gets a fresh hub afterwards.
	h2 := GetHub()
	assert.NotSame(t, h, h2)
	require.NoError(t, Sleep(0))
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
		require.NoError(t, g.Join(Forever))
		// Sleeping in the loop's poll is not blocking.
		require.NoError(t, Sleep(80*time.Millisecond))
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
		g := Go(func() error { return Sleep(time.Hour) })
		ctx := g.Context()
		require.NoError(t, Sleep(0))
		require.NoError(t, ctx.Err())
		require.NoError(t, g.Kill(nil, true, Forever))
		assert.ErrorIs(t, context.Cause(ctx), ErrGreenletExit)

		to := NewTimeout(5*time.Millisecond, nil)
		tctx := to.Context()
		require.NoError(t, to.Start())
		assert.ErrorIs(t, Sleep(time.Second), to)
		assert.ErrorIs(t, context.Cause(tctx), to)

		// Waiting on a context inside a greenlet keeps the hub running.
		cctx, cancel := context.WithCancel(context.Background())
		ticks := 0
		ticker := Go(func() error {
			for range 3 {
				if err := Sleep(time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
			cancel()
			return nil
		})
		assert.ErrorIs(t, WaitContext(cctx), context.Canceled)
		assert.Equal(t, 3, ticks)
		require.NoError(t, ticker.Join(Forever))
	})
}

func TestRunBlocking(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ticks := 0
		ticker := Go(func() error {
			for range 3 {
				if err := Sleep(time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
			return nil
		})
		v, err := RunBlocking(func() (int, error) {
			time.Sleep(20 * time.Millisecond)
			return 42, nil
		})
		require.NoError(t, err)
		assert.Equal(t, 42, v)
		assert.Equal(t, 3, ticks, "the hub ran other greenlets meanwhile")
		require.NoError(t, ticker.Join(Forever))
	})
}

func TestHubSwitchLoopExitAndReuse(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		_, err := h.Switch()
		assert.ErrorIs(t, err, ErrLoopExit)
		require.NoError(t, Sleep(time.Millisecond))
		w := NewWaiter()
		_, err = w.Get()
		assert.ErrorIs(t, err, ErrLoopExit)
	})
}

func TestHubJoin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		n := 0
		for range 3 {
			Go(func() error { n++; return Sleep(time.Millisecond) })
		}
		require.NoError(t, h.Join())
		assert.Equal(t, 3, n)

		stuck := Go(func() error { _, err := NewWaiterLabel("forever").Get(); return err })
		stuck.SetName("stuck")
		err := h.Join()
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
				if err := Sleep(0); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, Idle(0))
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
		v, err := g1.Get(true, Forever)
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
		v, err := g.Get(true, Forever)
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
		ws := []*Waiter{NewWaiter(), NewWaiter(), NewWaiter()}
		for i, w := range ws[:2] {
			Go(func() error {
				v, err := w.Get()
				trace = append(trace, fmt.Sprintf("woke %d with %v", i, v))
				return err
			})
		}
		require.NoError(t, Sleep(0))
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
		require.NoError(t, Sleep(0))
		assert.Equal(t, []string{"next 0", "woke 0 with 10", "next 1", "woke 1 with 20", "next 2"}, trace)
		v, err := ws[2].Get()
		require.NoError(t, err)
		assert.Equal(t, 30, v)

		// From a greenlet (here main): deferred to callbacks.
		w := NewWaiter()
		var got any
		Go(func() error {
			var err error
			got, err = w.Get()
			return err
		})
		require.NoError(t, Sleep(0))
		sent := false
		h.SwitchEach(func() (*Waiter, any) {
			if sent {
				return nil, nil
			}
			sent = true
			return w, "later"
		})
		assert.Nil(t, got)
		require.NoError(t, Sleep(0))
		assert.Equal(t, "later", got)
	})
}

// TestWaitFirstCallCreatesHub: a timed Wait is a goroutine's first scheduler
// call like any other: it creates the hub and times out; without a time
// limit, on objects nothing can make ready, it is refused without a hub.
func TestWaitFirstCallCreatesHub(t *testing.T) {
	type outcome struct {
		n      int
		err    error
		hubNew bool
	}
	wait := func(timeout time.Duration) outcome {
		res := make(chan outcome)
		go func() {
			var o outcome
			var done []Linkable
			done, o.err = Wait([]Linkable{newTestLinkable()}, 0, timeout)
			o.n = len(done)
			if h := CurrentHub(); h != nil {
				o.hubNew = true
				_ = h.Destroy()
			}
			res <- o
		}()
		return <-res
	}
	timed := wait(5 * time.Millisecond)
	assert.NoError(t, timed.err)
	assert.Zero(t, timed.n)
	assert.True(t, timed.hubNew)
	forever := wait(Forever)
	assert.ErrorIs(t, forever.err, ErrNotGreenlet)
	assert.False(t, forever.hubNew)
}

// neverReady is a Linkable bound to no hub that never becomes ready.
type neverReady struct{ links int }

func newTestLinkable() *neverReady                  { return &neverReady{} }
func (n *neverReady) Ready() bool                   { return false }
func (n *neverReady) Rawlink(func(Linkable)) LinkID { n.links++; return LinkID(n.links) }
func (n *neverReady) Unlink(LinkID)                 { n.links-- }
