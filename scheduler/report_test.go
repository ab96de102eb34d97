package scheduler

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopExit(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error {
			w := NewWaiter("Event.wait")
			_, err := w.Get(bg)
			return err
		})
		g.SetName("waiter-1")
		err := g.Join(bg)
		require.Error(t, err)
		assert.True(t, errors.Is(err, ErrLoopExit))
		var le *LoopExitError
		require.ErrorAs(t, err, &le)
		msg := err.Error()
		assert.Contains(t, msg, "main waiting on join waiter-1")
		assert.Contains(t, msg, "waiter-1 waiting on Event.wait")
		assert.Contains(t, msg, "TestLoopExit")
	})
}

// A dump's first buffer grows with the goroutines but stays within 256 MiB:
// it was 8 KiB per goroutine with no bound, 800 MiB for a hub of 100k
// greenlets asked for a LoopExit report or RunInfoStacks.
func TestDumpSizeBounded(t *testing.T) {
	assert.Equal(t, 1<<20, dumpSize(1))
	assert.Equal(t, 1000*8<<10, dumpSize(1000))
	assert.Equal(t, maxDumpSize, dumpSize(100_000))
	assert.Equal(t, maxDumpSize, dumpSize(10_000_000))
}
