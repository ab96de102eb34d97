package cev

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Loop.ClearPending from a callback drops the rest of the batch being
// dispatched (two idle watchers are queued together: the first to run
// clears); the watchers stay active and both run in the next iteration.
// Before, there was no way to drop a batch already on Go's stacks short of
// stopping each watcher.
func TestLoopClearPendingDropsTheRestOfTheBatch(t *testing.T) {
	l := newLoop(t)
	clearing := true
	var ran []string
	var cerr error
	idle := func(name string) *Idle {
		w, err := l.NewIdle(func(*Idle, int) {
			ran = append(ran, name)
			if clearing {
				clearing = false
				cerr = l.ClearPending()
			}
		})
		require.NoError(t, err)
		require.NoError(t, w.Start())
		t.Cleanup(func() { _ = w.Close() })
		return w
	}
	a, b := idle("a"), idle("b")
	_, err := l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	require.NoError(t, cerr)
	assert.Len(t, ran, 1, "the other idle watcher's event was dropped")
	assert.Zero(t, l.PendingCount())
	assert.False(t, a.IsPending() || b.IsPending())
	assert.True(t, a.IsActive() && b.IsActive(), "the watchers stay active")
	ran = nil
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "b"}, ran)
}

// A one-shot timer that expired in the batch is stopped by libev before
// its event is dispatched: once dropped, it never runs. An event fed from
// the callback after ClearPending is dispatched as usual.
func TestLoopClearPendingDropsExpiredTimers(t *testing.T) {
	l := newLoop(t)
	var ran []string
	var fed *Timer
	first := true
	timer := func(name string) *Timer {
		w, err := l.NewTimer(0, 0, func(*Timer, int) {
			ran = append(ran, name)
			if first {
				first = false
				require.NoError(t, l.ClearPending())
				require.NoError(t, l.FeedEvent(fed, EV_CUSTOM))
			}
		})
		require.NoError(t, err)
		require.NoError(t, w.Start())
		return w
	}
	fed, err := l.NewTimer(3600, 0, func(*Timer, int) { ran = append(ran, "fed") })
	require.NoError(t, err)
	a, b := timer("a"), timer("b")
	_, err = l.Run(0)
	require.NoError(t, err)
	require.Len(t, ran, 2)
	assert.Equal(t, "fed", ran[1])
	assert.False(t, a.IsActive() || b.IsActive() || a.IsPending() || b.IsPending())
	assert.Zero(t, l.PendingCount())
}

// The batches Run has yet to dispatch are dropped too: a fork watcher and
// a prepare watcher are queued as two batches of one iteration, and the
// fork callback clears. The prepare watcher runs in the next iteration.
// Before, the copy of the C queue kept the prepare's event out of reach.
func TestLoopClearPendingDropsLaterBatches(t *testing.T) {
	l := newLoop(t)
	var trace []string
	clearing := true
	f, err := l.NewFork(func(*Fork, int) {
		trace = append(trace, "fork")
		if clearing {
			require.NoError(t, l.ClearPending())
		}
	})
	require.NoError(t, err)
	p, err := l.NewPrepare(func(*Prepare, int) { trace = append(trace, "prepare") })
	require.NoError(t, err)
	require.NoError(t, f.Start())
	require.NoError(t, p.Start())
	require.NoError(t, l.Unref())
	require.NoError(t, l.Unref())
	defer func() { require.NoError(t, l.Ref()); require.NoError(t, l.Ref()) }()
	require.NoError(t, l.Fork())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []string{"fork"}, trace, "the prepare batch was dropped")
	clearing = false
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []string{"fork", "prepare"}, trace)
	require.NoError(t, f.Stop())
	require.NoError(t, p.Stop())
}

// An event fed outside a callback waits on libev's own pending stacks
// until the next Run: ClearPending drops it there, as ev_clear_pending.
func TestLoopClearPendingDropsFedEvents(t *testing.T) {
	l := newLoop(t)
	ran := false
	tm, err := l.NewTimer(3600, 0, func(*Timer, int) { ran = true })
	require.NoError(t, err)
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	require.True(t, tm.IsPending())
	require.NoError(t, l.ClearPending())
	assert.False(t, tm.IsPending())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.False(t, ran)
}

// A signal delivered but not yet fed to its watchers is no pending event:
// when ClearPending drops the loop's internal wake-up, the delivery is fed
// in the next iteration. The wake-up is put on the pending stacks by hand,
// as the internal ev_async's callback would.
func TestLoopClearPendingKeepsSignalDeliveries(t *testing.T) {
	l := newLoop(t)
	got := 0
	s, err := l.NewSignal(syscall.SIGUSR2, func(*Signal, int) { got++ })
	require.NoError(t, err)
	require.NoError(t, s.Start())
	defer s.Close()
	tm, err := l.NewTimer(0, 0, func(*Timer, int) {
		l.sig.mu.Lock()
		l.sig.received[syscall.SIGUSR2] = true
		l.sig.mu.Unlock()
		l.feed(l.wakeW, 0, EV_ASYNC)
		require.NoError(t, l.ClearPending())
	})
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	_, err = l.Run(EVRUN_ONCE)
	require.NoError(t, err)
	assert.Zero(t, got, "the wake-up was dropped with the batch")
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, 1, got, "the delivery was fed in the next iteration")
}
