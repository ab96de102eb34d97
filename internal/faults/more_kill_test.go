package faults

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKillBlockedInPoolSpawn(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		p, err := pool.New(1)
		require.NoError(t, err)
		occupant, err := pool.Spawn(bg, p, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
		require.NoError(t, err)
		ran := false
		return blockingOp{
			block: func(ctx context.Context) error {
				_, err := pool.Spawn(ctx, p, func() (int, error) { ran = true; return 0, nil })
				return err
			},
			check: func(t *testing.T) {
				// The killed Spawn took no slot and never runs its body,
				// even once the slot frees.
				require.NoError(t, occupant.Kill(bg, nil))
				require.True(t, pollUntil(t, func() bool { return p.FreeCount() == 1 }), "the occupant's slot frees")
				// A Spawn left queued would take the slot and start in
				// the next callback round.
				require.NoError(t, scheduler.Sleep(bg, 0))
				assert.False(t, ran)
				assert.Equal(t, 1, p.FreeCount())
			},
			cleanup: func() { _ = occupant.Kill(bg, nil) },
		}
	})
}

func TestKillBlockedInSubprocessWait(t *testing.T) {
	killWhileBlockedNoContext(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		cmd := subprocess.Command("sleep", "30")
		require.NoError(t, cmd.Start())
		pid := cmd.Process.Pid
		killed := false
		return blockingOp{
			block: func(context.Context) error { return cmd.Wait() },
			check: func(t *testing.T) {
				// The child outlives the killed waiter and is still
				// reaped when it exits: no zombie.
				require.True(t, alive(pid), "the child is still running")
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				killed = true
				deadline := time.Now().Add(5 * time.Second)
				for alive(pid) && time.Now().Before(deadline) {
					require.NoError(t, scheduler.Sleep(bg, 5*time.Millisecond))
				}
				assert.False(t, alive(pid), "the child was reaped")
			},
			cleanup: func() {
				if !killed {
					_ = cmd.Process.Signal(syscall.SIGKILL)
				}
			},
		}
	})
}

// alive reports whether pid exists and is not yet reaped (a zombie counts as
// alive: it still waits for its wait()).
func alive(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return !errors.Is(err, os.ErrNotExist)
}
