package scheduler

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSleepTimerOrder(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []int
		var gs []*Greenlet[struct{}]
		for _, ms := range []int{30, 10, 20} {
			gs = append(gs, Go(func() error {
				if err := Sleep(bg, time.Duration(ms)*time.Millisecond); err != nil {
					return err
				}
				trace = append(trace, ms)
				return nil
			}))
		}
		_, err := JoinAll(bg, gs)
		require.NoError(t, err)
		assert.Equal(t, []int{10, 20, 30}, trace)
	})
}

func TestSleep0RoundRobin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		var gs []*Greenlet[struct{}]
		for _, name := range []string{"a", "b", "c"} {
			gs = append(gs, Go(func() error {
				for i := range 3 {
					trace = append(trace, fmt.Sprint(name, i))
					if err := Sleep(bg, 0); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		_, err := JoinAll(bg, gs)
		require.NoError(t, err)
		assert.Equal(t, []string{"a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"}, trace)
	})
}

func TestIdle(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		Go(func() error {
			for i := range 3 {
				trace = append(trace, fmt.Sprint("yield", i))
				if err := Sleep(bg, 0); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, Idle(bg, 0))
		trace = append(trace, "idle")
		assert.Equal(t, []string{"yield0", "yield1", "yield2", "idle"}, trace)
	})
}
