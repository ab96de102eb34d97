package scheduler

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
