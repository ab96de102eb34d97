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

// compute runs the CPU for d without switching: no sleep, only the clock.
func compute(d time.Duration) {
	start := time.Now()
	for time.Since(start) < d {
	}
}

// overrunsOf returns the *SwitchError in err.
func overrunsOf(t *testing.T, err error) *SwitchError {
	t.Helper()
	require.ErrorIs(t, err, ErrNoSwitch)
	var se *SwitchError
	require.ErrorAs(t, err, &se)
	return se
}

// traceOff checks that no AssertSwitches timing is left on h.
func traceOff(t *testing.T, h *Hub) {
	t.Helper()
	assert.Zero(t, h.switchFlags.Load()&flagTracing, "the switch path is back to one load")
	assert.Empty(t, h.asserts)
}

// Without a threshold a block that only computes fails, naming the caller
// and how long it ran; one that yields passes.
func TestAssertSwitchesWithoutThreshold(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		err := AssertSwitches(0, func() error {
			compute(2 * time.Millisecond)
			return nil
		})
		se := overrunsOf(t, err)
		require.Len(t, se.Overruns, 1)
		assert.Equal(t, "main", se.Overruns[0].Greenlet)
		assert.GreaterOrEqual(t, se.Overruns[0].For, 2*time.Millisecond)
		assert.Contains(t, err.Error(), "scheduler: AssertSwitches: no switch to the hub: main for ")

		assert.NoError(t, AssertSwitches(0, func() error { return Sleep(bg, 0) }))
		g := Go(func() error { return nil })
		assert.NoError(t, AssertSwitches(0, func() error { return g.Join(bg) }))
		traceOff(t, h)
	})
}

// With a threshold, a greenlet that computes longer than it before yielding
// is reported by name, and so is one that computes and returns. Timing:
// the offenders compute for three thresholds, measured by the clock the
// assertion reads, so they are always over it; the others only yield.
func TestAssertSwitchesThresholdNamesOffendersTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		const th = 20 * time.Millisecond
		yielder := Go(func() error {
			for range 3 {
				if err := Sleep(bg, 0); err != nil {
					return err
				}
			}
			return nil
		})
		yielder.SetName("yielder")
		err := AssertSwitches(th, func() error {
			slow := Go(func() error {
				compute(3 * th)
				return Sleep(bg, 0)
			})
			slow.SetName("cruncher")
			ender := Go(func() error {
				compute(3 * th)
				return nil
			})
			ender.SetName("finisher")
			_, err := Wait(bg, []Linkable{slow, ender, yielder}, 0)
			return err
		})
		se := overrunsOf(t, err)
		assert.Equal(t, th, se.Threshold)
		names := map[string]time.Duration{}
		for _, o := range se.Overruns {
			names[o.Greenlet] = o.For
		}
		assert.GreaterOrEqual(t, names["cruncher"], 3*th, "%v", se.Overruns)
		assert.GreaterOrEqual(t, names["finisher"], 3*th, "%v", se.Overruns)
		assert.Contains(t, err.Error(), "ran longer than 20ms without switching")
		assert.Contains(t, err.Error(), "cruncher for ")
		traceOff(t, h)

		// The caller's own stretch counts up to the return.
		err = AssertSwitches(th, func() error {
			require.NoError(t, Sleep(bg, 0))
			compute(3 * th)
			return nil
		})
		se = overrunsOf(t, err)
		require.NotEmpty(t, se.Overruns)
		assert.Equal(t, "main", se.Overruns[len(se.Overruns)-1].Greenlet)
		traceOff(t, h)
	})
}

// With a generous threshold, a block whose greenlets all yield passes, and
// so does one that never switches but ends within it (gevent's rule).
// Timing: nothing here runs for anywhere near a second.
func TestAssertSwitchesThresholdPassesTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		err := AssertSwitches(time.Second, func() error {
			gs := []Linkable{}
			for range 5 {
				gs = append(gs, Go(func() error { return Sleep(bg, time.Millisecond) }))
			}
			_, err := Wait(bg, gs, 0)
			return err
		})
		assert.NoError(t, err)
		assert.NoError(t, AssertSwitches(time.Second, func() error { return nil }))
		traceOff(t, h)
	})
}

// A raw greenlet's stretch ends when its coroutine ends into the hub: the
// hub's own time right after it (a callback that computes, in the same
// drain) is not blamed on it. Timing: the callback computes three
// thresholds, a lower bound; the raw greenlet does nothing.
func TestAssertSwitchesRawGreenletEndsItsStretchTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		const th = 20 * time.Millisecond
		err := AssertSwitches(th, func() error {
			if _, err := SpawnRaw(func() error { return nil }); err != nil {
				return err
			}
			if _, err := h.RunCallback(func() { compute(3 * th) }); err != nil {
				return err
			}
			return Sleep(bg, 0)
		})
		assert.NoError(t, err)
		traceOff(t, h)
	})
}

// Nesting: each call reports what ran past its own threshold, and the
// timing stops with the outer one.
func TestAssertSwitchesNestedTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		const th = 20 * time.Millisecond
		var inner error
		outer := AssertSwitches(time.Hour, func() error {
			inner = AssertSwitches(th, func() error {
				compute(3 * th)
				return nil
			})
			assert.NotZero(t, h.switchFlags.Load()&flagTracing, "the outer call still times")
			return Sleep(bg, 0)
		})
		assert.NoError(t, outer)
		se := overrunsOf(t, inner)
		assert.Equal(t, "main", se.Overruns[0].Greenlet)
		traceOff(t, h)
	})
}

// fn's error comes back unchecked; a panic goes through with the timing
// stopped; only a main or spawned greenlet may call it.
func TestAssertSwitchesContract(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		mine := errors.New("mine")
		assert.Same(t, mine, AssertSwitches(0, func() error { return mine }))
		assert.ErrorIs(t, AssertSwitches(0, nil), ErrNilArgument)

		assert.PanicsWithValue(t, "boom", func() {
			_ = AssertSwitches(time.Hour, func() error { panic("boom") })
		})
		traceOff(t, h)

		ran := false
		var foreign, inCallback error
		onGoroutine(func() {
			foreign = AssertSwitches(0, func() error { ran = true; return nil })
		})
		_, err := h.RunCallback(func() {
			inCallback = AssertSwitches(time.Hour, func() error { ran = true; return nil })
		})
		require.NoError(t, err)
		require.NoError(t, Sleep(bg, 0))
		assert.ErrorIs(t, foreign, ErrNotGreenlet)
		assert.ErrorIs(t, inCallback, ErrNotGreenlet)
		assert.Contains(t, inCallback.Error(), "scheduler: AssertSwitches: ")
		assert.False(t, ran, "a refused call does not run fn")

		v, err := Spawn(func() (error, error) {
			return AssertSwitches(0, func() error { return Sleep(bg, 0) }), nil
		}).Get(bg)
		require.NoError(t, err)
		assert.NoError(t, v, "a spawned greenlet may assert")
		traceOff(t, h)
	})
}

// A greenlet whose body ends with runtime.Goexit (a t.FailNow in a spawned
// greenlet) ends its stretch there, as one that returns: it is named by its
// own name, and the hub's poll after it, while the caller sleeps, is not
// blamed on anyone. Timing: the offender computes three thresholds; the
// caller sleeps five, all of it in the hub's poll.
func TestAssertSwitchesGoexitEndsItsStretchTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		const th = 20 * time.Millisecond
		err := AssertSwitches(th, func() error {
			g := Go(func() error {
				if err := Sleep(bg, th/4); err != nil {
					return err
				}
				compute(3 * th)
				runtime.Goexit()
				return nil
			})
			g.SetName("quitter")
			return Sleep(bg, 5*th)
		})
		se := overrunsOf(t, err)
		require.Len(t, se.Overruns, 1, "%v", se.Overruns)
		assert.Equal(t, "quitter", se.Overruns[0].Greenlet)
		assert.GreaterOrEqual(t, se.Overruns[0].For, 3*th)
		assert.Less(t, se.Overruns[0].For, 5*th, "the poll after the Goexit is not the greenlet's")
		traceOff(t, h)
	})
}

// A blocking report delivered while an assertion times the switches is no
// greenlet's time: the greenlet that ends the reported stall waits for the
// report at its switch, and that wait does not count in its stretch.
// Timing: the handler takes eight detector thresholds and the assertion's
// threshold is six; the stall itself lasts one to two detector thresholds
// (it ends once the report is in), and a loaded machine delays the report:
// at three thresholds against four, the stall alone overran under load.
func TestAssertSwitchesReportDeliveryNotCountedTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		r := watchBlocking(h)
		h.SetErrorHandler(func(err error) {
			var be *BlockingError
			if !errors.As(err, &be) {
				return
			}
			r.mu.Lock()
			r.all = append(r.all, be)
			r.mu.Unlock()
			// A slow handler: what it does is work, not synchronisation.
			time.Sleep(8 * testThreshold)
		})
		require.NoError(t, Sleep(bg, 0)) // the hub's loop runs: the detector watches
		err := AssertSwitches(6*testThreshold, func() error {
			stallCPU(r, "main", 0)
			return Sleep(bg, 0)
		})
		h.SetBlockingThreshold(0)
		assert.NoError(t, err)
		assert.Equal(t, 1, r.count("main"), "the stall was reported")
		traceOff(t, h)
	})
}

// A greenlet that fails with an exit request has it thrown into main at once
// (gevent's handle_system_error); main then runs until its next wait, and that
// time is main's, not the failed greenlet's (nor the hub's, which is not
// counted). Timing: main computes three thresholds once its wait returned the
// exit request.
func TestAssertSwitchesSystemErrorThrowIsMainsTiming(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		const th = 20 * time.Millisecond
		var waitErr error
		err := AssertSwitches(th, func() error {
			g := Go(func() error { return &ExitError{Code: 3} })
			g.SetName("exiter")
			waitErr = Sleep(bg, 5*th)
			compute(3 * th)
			return nil
		})
		require.ErrorIs(t, waitErr, ErrExit, "the exit request was thrown into main's wait")
		se := overrunsOf(t, err)
		require.Len(t, se.Overruns, 1, "%v", se.Overruns)
		assert.Equal(t, "main", se.Overruns[0].Greenlet)
		assert.GreaterOrEqual(t, se.Overruns[0].For, 3*th)
		traceOff(t, h)
	})
}
