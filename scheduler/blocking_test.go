package scheduler

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
