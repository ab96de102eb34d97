package subprocess_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

// startedIn runs wait in a greenlet of its own and returns it once the Cmd's process started
// and the greenlet parks in its wait.
func startedIn(t *testing.T, c *subprocess.Cmd, wait func() error) *scheduler.Greenlet[error] {
	t.Helper()
	g := scheduler.Spawn(func() (error, error) { return wait(), nil })
	deadline := time.Now().Add(10 * time.Second)
	for c.Process == nil {
		require.True(t, time.Now().Before(deadline), "the greenlet never started the process")
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
	}
	require.NoError(t, scheduler.Sleep(bg, 0)) // let it reach its wait
	return g
}

// TestKillWithContextErrorIsNoContextEnd: a greenlet in Communicate or WaitContext killed with
// context.Canceled as the kill's error, while the call's own ctx is live, is killed: Communicate
// has the child reaped once it exits, WaitContext has the pipes closed then, as for any kill. Both
// took it for the end of their ctx, which leaves the child and its pipes to a later call: the
// child stayed a zombie and the pipes open. The end of the ctx itself leaves WaitContext's pipes
// open; since Communicate has the child reaped whatever ended it (TestCommunicateContextEndReaps),
// its half checks that both ends reap and that the next Communicate returns the exit.
func TestKillWithContextErrorIsNoContextEnd(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		for _, ctxEnds := range []bool{false, true} {
			ctx, cancel := context.WithCancel(bg)
			c := subprocess.Command("sleep", "10")
			g := startedIn(t, c, func() error { _, _, err := c.Communicate(ctx, nil); return err })
			if ctxEnds {
				cancel()
				require.NoError(t, g.Join(testctx.Within(t, 5*time.Second)))
			} else {
				require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), context.Canceled))
			}
			cancel()
			assert.ErrorIs(t, g.Value(), context.Canceled, "ctx ends: %v", ctxEnds)
			require.NoError(t, c.Process.Kill())
			awaitReaped(t, c.Process.Pid)
			_, _, err := c.Communicate(testctx.Within(t, 5*time.Second), nil)
			requireKilled(t, err)
		}

		for _, ctxEnds := range []bool{false, true} {
			ctx, cancel := context.WithCancel(bg)
			c := subprocess.Command("sleep", "10")
			out, err := c.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, c.Start())
			g := startedIn(t, c, func() error { return c.WaitContext(ctx) })
			if ctxEnds {
				cancel()
				require.NoError(t, g.Join(testctx.Within(t, 5*time.Second)))
			} else {
				require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), context.Canceled))
			}
			cancel()
			assert.ErrorIs(t, g.Value(), context.Canceled, "ctx ends: %v", ctxEnds)
			require.NoError(t, c.Process.Kill())
			awaitReaped(t, c.Process.Pid)
			if ctxEnds {
				_, err = out.Read(make([]byte, 1))
				assert.Equal(t, io.EOF, err, "a WaitContext whose ctx ended leaves the pipe open")
			} else {
				requireClosed(t, out)
			}
			requireKilled(t, c.Wait())
		}
		return nil
	}))
}

// requireClosed polls until f is closed (a Read fails with fileobject.ErrClosed).
func requireClosed(t *testing.T, f *fileobject.File) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := f.Read(make([]byte, 1))
		if errors.Is(err, fileobject.ErrClosed) {
			return
		}
		require.True(t, time.Now().Before(deadline), "the pipe was never closed: %v", err)
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
	}
}

// TestKilledCommunicateWithWaitDelayLeavesNothingArmed: a Communicate with WaitDelay whose
// greenlet is killed leaves no closer behind, and a later Wait returns the exit and closes the
// pipes as os/exec's Wait does. The closer that would have closed the pipes WaitDelay after the
// exit stayed armed past the Communicate and past the Wait, a goroutine waiting for WaitDelay (an
// hour here) after the Wait had closed the pipes.
func TestKilledCommunicateWithWaitDelayLeavesNothingArmed(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		require.NoError(t, scheduler.Sleep(bg, 0)) // the hub greenlet runs: its goroutine is there before
		before := goleak.IgnoreCurrent()
		c := subprocess.Command("sleep", "10")
		c.WaitDelay = time.Hour
		out, err := c.StdoutPipe()
		require.NoError(t, err)
		g := startedIn(t, c, func() error { _, _, err := c.Communicate(bg, nil); return err })
		require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), nil))
		assert.ErrorIs(t, g.Value(), scheduler.ErrGreenletExit)
		require.NoError(t, c.Process.Kill())
		requireKilled(t, c.Wait())
		_, err = out.Read(make([]byte, 1))
		assert.ErrorIs(t, err, fileobject.ErrClosed, "Wait closed the pipe")
		// The hub keeps the greenlets' goroutines it ran, for its next spawns.
		idle := goleak.IgnoreAnyFunction("github.com/geventgo/geventgo/scheduler.(*worker).main")
		assert.NoError(t, goleak.Find(before, idle), "what the killed Communicate armed is still there")
		return nil
	}))
}
