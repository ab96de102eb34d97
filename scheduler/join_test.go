package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJoinTimeout(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		gate := NewWaiter("gate")
		g := Go(func() error { _, err := gate.Get(bg); return err })
		err := g.Join(within(t, 5*time.Millisecond))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, g.Ready())
		gate.Switch(nil)
		require.NoError(t, g.Join(bg))
		assert.True(t, g.Successful())
	})
}

func TestKillVariants(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		blocked := Go(func() error {
			defer func() { trace = append(trace, "blocked defer") }()
			err := Sleep(bg, time.Hour)
			trace = append(trace, fmt.Sprint("blocked got ", errors.Is(err, ErrGreenletExit)))
			return err
		})
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, blocked.Kill(bg, nil))
		assert.True(t, blocked.Dead())
		assert.True(t, blocked.Successful())
		assert.ErrorIs(t, blocked.ExitErr(), ErrGreenletExit)
		assert.Equal(t, []string{"blocked got true", "blocked defer"}, trace)

		ran := false
		unstarted := Go(func() error { ran = true; return nil })
		assert.True(t, unstarted.Started())
		require.NoError(t, unstarted.Kill(bg, nil))
		assert.True(t, unstarted.Dead())
		assert.False(t, unstarted.Started())
		require.NoError(t, Sleep(bg, 0))
		assert.False(t, ran, "a greenlet killed before it ran never runs")

		errCustom := errors.New("custom")
		custom := Go(func() error { return Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, custom.Kill(bg, errCustom))
		assert.False(t, custom.Successful())
		assert.ErrorIs(t, custom.Err(), errCustom)

		nb := Go(func() error { return Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, nb.KillAsync(nil))
		assert.False(t, nb.Dead(), "non-blocking kill returns before the throw")
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, nb.Dead())

		gate := NewWaiter("gate")
		caught := Spawn(func() (string, error) {
			err := Sleep(bg, time.Hour)
			if errors.Is(err, ErrGreenletExit) {
				if _, err := gate.Get(bg); err != nil {
					return "", err
				}
				return "survived", nil
			}
			return "", err
		})
		require.NoError(t, Sleep(bg, 0))
		err := caught.Kill(within(t, 2*time.Millisecond), nil)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, caught.Dead())
		gate.Switch(nil)
		v, err := caught.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "survived", v)

		self := Go(func() error {
			return GetCurrent().Kill(bg, nil)
		})
		require.NoError(t, self.Join(bg))
		assert.True(t, self.Successful())
		assert.ErrorIs(t, self.ExitErr(), ErrGreenletExit)
	})
}
