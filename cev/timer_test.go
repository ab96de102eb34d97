package cev

import (
	"testing"

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
