package scheduler

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
