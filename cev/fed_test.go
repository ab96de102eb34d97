package cev

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Events fed outside Run run at the next Run's entry, before ev_run looks at
// which prepare and fork watchers are active (ev_run's first
// EV_INVOKE_PENDING): a fed callback that starts, restarts or breaks must
// find the same iteration C libev gives it. FuzzWatchers found the first
// case; each was checked against a C program on the vendored libev.

func TestFedCallbackStartsPrepare(t *testing.T) {
	l := newLoop(t)
	var trace []string
	p, err := l.NewPrepare(func(*Prepare, int) { trace = append(trace, "prepare") })
	require.NoError(t, err)
	tm, err := l.NewTimer(3600, 0, func(*Timer, int) {
		trace = append(trace, "fed")
		require.NoError(t, p.Start())
	})
	require.NoError(t, err)
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []string{"fed", "prepare"}, trace, "C runs the new prepare watcher in the same iteration")
	assert.Equal(t, uint(1), l.Iteration())
}

func TestFedCallbackRestartsPrepare(t *testing.T) {
	l := newLoop(t)
	var trace []string
	p, err := l.NewPrepare(func(*Prepare, int) { trace = append(trace, "prepare") })
	require.NoError(t, err)
	require.NoError(t, p.Start())
	tm, err := l.NewTimer(3600, 0, func(*Timer, int) {
		trace = append(trace, "fed")
		require.NoError(t, p.Stop())
		require.NoError(t, p.Start())
	})
	require.NoError(t, err)
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []string{"fed", "prepare"}, trace)
}

func TestFedCallbackStartsForkWatcher(t *testing.T) {
	l := newLoop(t)
	var trace []string
	f, err := l.NewFork(func(*Fork, int) { trace = append(trace, "fork") })
	require.NoError(t, err)
	tm, err := l.NewTimer(3600, 0, func(*Timer, int) {
		trace = append(trace, "fed")
		require.NoError(t, f.Start())
	})
	require.NoError(t, err)
	require.NoError(t, l.Fork())
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []string{"fed", "fork"}, trace, "the fork event is not lost")
	require.NoError(t, f.Stop())
}

// A fed callback that breaks the loop: the prepare watchers still run and
// the iteration ends before the poll, so Run(0) returns at once even with a
// timer an hour away keeping the loop alive.
func TestFedCallbackBreaksBeforePoll(t *testing.T) {
	l := newLoop(t)
	var trace []string
	p, err := l.NewPrepare(func(*Prepare, int) { trace = append(trace, "prepare") })
	require.NoError(t, err)
	require.NoError(t, p.Start())
	tm, err := l.NewTimer(3600, 0, func(*Timer, int) {
		trace = append(trace, "fed")
		require.NoError(t, l.Break(EVBREAK_ONE))
	})
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	alive, err := l.Run(0)
	require.NoError(t, err)
	assert.True(t, alive, "the hour timer is still active")
	assert.Equal(t, []string{"fed", "prepare"}, trace)
	assert.Equal(t, uint(0), l.Iteration(), "no poll, so no completed iteration")

	// Without prepare watchers the break also stops before the poll.
	require.NoError(t, p.Stop())
	trace = nil
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, []string{"fed"}, trace)
	require.NoError(t, tm.Stop())
}
