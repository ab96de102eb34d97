package scheduler

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunBlocking(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ticks := 0
		ticked := make(chan struct{})
		ticker := Go(func() error {
			for range 3 {
				if err := Sleep(bg, time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
			close(ticked)
			return nil
		})
		// fn blocks its goroutine until the ticker greenlet is done, which
		// it can only be if the hub runs meanwhile.
		v, err := RunBlocking(bg, func() (int, error) {
			select {
			case <-ticked:
				return 42, nil
			case <-time.After(10 * time.Second):
				return 0, errors.New("the hub did not run while fn blocked")
			}
		})
		require.NoError(t, err)
		assert.Equal(t, 42, v)
		assert.Equal(t, 3, ticks, "the hub ran other greenlets meanwhile")
		require.NoError(t, ticker.Join(bg))
	})
}

// A RunBlocking function that calls runtime.Goexit still wakes the greenlet
// (with ErrGoexit) and releases the loop.
func TestRunBlockingGoexit(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		_, err := RunBlocking(within(t, 5*time.Second), func() (int, error) {
			runtime.Goexit()
			return 1, nil
		})
		assert.ErrorIs(t, err, ErrGoexit)
	})
}

// A RunBlocking function whose deferred call panics while it unwinds from
// runtime.Goexit returns that panic's *PanicError, as a greenlet's Join
// reports the last panic, with the Goexit under it in the stack. Before,
// the Goexit overwrote the panic recovered under it: ErrGoexit.
func TestRunBlockingPanicUnderGoexit(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		_, err := RunBlocking(within(t, 5*time.Second), func() (int, error) {
			defer func() { panic("under goexit") }()
			runtime.Goexit()
			return 1, nil
		})
		var pe *PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "under goexit", pe.Value)
		assert.NotErrorIs(t, err, ErrGoexit)
		assert.Contains(t, string(pe.Stack), "runtime.Goexit(")
	})
}
