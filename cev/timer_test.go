package cev

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimerOrderAndRepeat(t *testing.T) {
	l := newLoop(t)
	var trace []string
	a, err := l.NewTimer(0.002, 0, func(w *Timer, revents int) {
		assert.Equal(t, EV_TIMER, revents)
		trace = append(trace, "a")
	})
	require.NoError(t, err)
	b, err := l.NewTimer(0.001, 0, func(w *Timer, revents int) { trace = append(trace, "b") })
	require.NoError(t, err)
	n := 0
	r, err := l.NewTimer(0.0005, 0.001, func(w *Timer, revents int) {
		n++
		trace = append(trace, "r")
		if n == 3 {
			require.NoError(t, w.Stop())
		}
	})
	require.NoError(t, err)
	require.NoError(t, a.Start())
	require.NoError(t, b.Start())
	require.NoError(t, r.Start())
	assert.True(t, a.IsActive())
	active, err := l.Run(0)
	require.NoError(t, err)
	assert.False(t, active)
	assert.Equal(t, 3, n)
	assert.Less(t, indexOf(trace, "b"), indexOf(trace, "a"))
	assert.False(t, a.IsActive())
	assert.Len(t, trace, 5)
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func TestTimerSetRestartMany(t *testing.T) {
	l := newLoop(t)
	fired := 0
	tm, err := l.NewTimer(0, 0, func(w *Timer, revents int) { fired++ })
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		require.NoError(t, tm.Set(0, 0))
		require.NoError(t, tm.Start())
		_, err := l.Run(EVRUN_ONCE)
		require.NoError(t, err)
	}
	assert.Equal(t, 100, fired)
	require.NoError(t, tm.Close())
	assert.ErrorIs(t, tm.Start(), ErrClosed)
}

// TestTimerAgainClearsPending: ev_timer_again starts with clear_pending, so
// a one-shot timer that fired in this pass and is re-armed by an earlier
// callback runs once, later, not also in the current pass.
func TestTimerAgainClearsPending(t *testing.T) {
	l := newLoop(t)
	var c *Timer
	var cFired []uint
	a, err := l.NewTimer(0, 0, func(*Timer, int) {
		require.True(t, c.IsPending(), "c fired in the same pass")
		require.NoError(t, c.SetRepeat(0.02))
		require.NoError(t, c.Again())
		assert.False(t, c.IsPending(), "Again cleared the pending event")
		assert.True(t, c.IsActive())
	})
	require.NoError(t, err)
	require.NoError(t, a.SetPriority(EV_MAXPRI))
	c, err = l.NewTimer(0, 0, func(w *Timer, revents int) {
		cFired = append(cFired, l.Iteration())
		require.NoError(t, w.Stop())
	})
	require.NoError(t, err)
	require.NoError(t, c.Start())
	require.NoError(t, a.Start())
	start := l.Iteration()
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Empty(t, cFired, "c's cleared event was not dispatched")
	assert.Equal(t, 1, l.ActiveCount(), "c is re-armed")
	_, err = l.Run(0)
	require.NoError(t, err)
	require.Len(t, cFired, 1, "c fires once, after its repeat")
	assert.Greater(t, cFired[0], start+1)

	// An active repeating timer queued in the same pass: Again clears it too.
	var rFired int
	r, err := l.NewTimer(0, 10, func(*Timer, int) { rFired++ })
	require.NoError(t, err)
	b, err := l.NewTimer(0, 0, func(*Timer, int) { require.NoError(t, r.Again()) })
	require.NoError(t, err)
	require.NoError(t, b.SetPriority(EV_MAXPRI))
	require.NoError(t, r.Start())
	require.NoError(t, b.Start())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Zero(t, rFired)
	assert.False(t, r.IsPending())
	assert.InDelta(t, 10, r.Remaining(), 0.5)
	require.NoError(t, r.Stop())

	// Fed outside a callback the event sits on libev's stacks: cleared too.
	require.NoError(t, r.Start())
	require.NoError(t, l.FeedEvent(r, EV_CUSTOM))
	require.True(t, r.IsPending())
	require.NoError(t, r.Again())
	assert.False(t, r.IsPending())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Zero(t, rFired)
}

// TestPeriodicAgainClearsPending: ev_periodic_again is stop + start, so it
// drops a pending event, whether queued by libev or fed from a callback.
func TestPeriodicAgainClearsPending(t *testing.T) {
	l := newLoop(t)
	var fired []int
	p, err := l.NewPeriodic(l.Now()-1, 0, func(_ *Periodic, revents int) { fired = append(fired, revents) })
	require.NoError(t, err)
	hi, err := l.NewTimer(0, 0, func(*Timer, int) {
		require.True(t, p.IsPending(), "p is due in the same pass")
		require.NoError(t, p.Again())
		assert.False(t, p.IsPending())
		assert.True(t, p.IsActive(), "restarted; its time is past so it fires next iteration")
		require.NoError(t, l.FeedEvent(p, EV_CUSTOM))
		require.True(t, p.IsPending())
		require.NoError(t, p.Again())
		assert.False(t, p.IsPending(), "a fed event is cleared as well")
	})
	require.NoError(t, err)
	require.NoError(t, hi.SetPriority(EV_MAXPRI))
	require.NoError(t, p.Start())
	require.NoError(t, hi.Start())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Empty(t, fired)
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []int{EV_PERIODIC}, fired)
	assert.Equal(t, 0, l.ActiveCount())
}

// A timer's Start and a Stop before the loop runs are kept in Go: no cgo
// call, while IsActive, Set and ActiveCount see the timer as started.
func TestTimerStartQueuedWithoutCgo(t *testing.T) {
	l := newLoop(t)
	fired := 0
	tm, err := l.NewTimer(0, 0, func(*Timer, int) { fired++ })
	require.NoError(t, err)

	calls := runtime.NumCgoCall()
	require.NoError(t, tm.Start())
	assert.True(t, tm.IsActive())
	assert.Equal(t, 1, l.ActiveCount())
	assert.ErrorIs(t, tm.Set(1, 0), ErrActive)
	assert.ErrorIs(t, tm.SetPriority(1), ErrActive)
	require.NoError(t, tm.Start()) // a second Start does nothing, as in libev
	require.NoError(t, tm.Stop())
	assert.Equal(t, calls, runtime.NumCgoCall(), "cgo calls made by Start, Set and Stop")
	assert.False(t, tm.IsActive())
	assert.Equal(t, 0, l.ActiveCount())

	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Zero(t, fired, "a timer stopped before the loop ran fired")

	require.NoError(t, tm.Start())
	active, err := l.Run(0)
	require.NoError(t, err)
	assert.False(t, active)
	assert.Equal(t, 1, fired)
}

// A queued start takes the loop's time when Start was called, as
// ev_timer_start does: an UpdateNow before the loop runs does not push the
// deadline back.
func TestTimerStartQueuedKeepsItsClock(t *testing.T) {
	l := newLoop(t)
	tm, err := l.NewTimer(10, 0, func(*Timer, int) {})
	require.NoError(t, err)
	require.NoError(t, l.UpdateNow())
	at := l.Now()
	require.NoError(t, tm.Start())
	deadline := time.Now().Add(5 * time.Second)
	for Time()-at < 0.05 {
		require.True(t, time.Now().Before(deadline), "the clock did not move")
		runtime.Gosched()
	}
	require.NoError(t, l.UpdateNow())
	assert.InDelta(t, 10-(l.Now()-at), tm.Remaining(), 0.001)
	require.NoError(t, tm.Close())
}

// More starts than the queue holds before the loop runs: every timer fires,
// in deadline order, and starts stopped on the way never do.
func TestTimerStartQueueOverflow(t *testing.T) {
	l := newLoop(t)
	const n = 3*startQueueLen + 7
	var order []int
	ts := make([]*Timer, n)
	for i := range ts {
		var err error
		ts[i], err = l.NewTimer(float64(n-i)*1e-6, 0, func(*Timer, int) { order = append(order, i) })
		require.NoError(t, err)
		require.NoError(t, ts[i].Start())
	}
	assert.Equal(t, n, l.ActiveCount())
	stopped := 0
	for i := 0; i < n; i += 5 {
		require.NoError(t, ts[i].Stop())
		stopped++
	}
	assert.Equal(t, n-stopped, l.ActiveCount())
	active, err := l.Run(0)
	require.NoError(t, err)
	assert.False(t, active)
	require.Len(t, order, n-stopped)
	for k := 1; k < len(order); k++ {
		assert.Greater(t, order[k-1], order[k], "timers fired out of deadline order")
	}
	for _, i := range order {
		assert.NotZero(t, i%5, "timer %d fired after its Stop", i)
	}
}
