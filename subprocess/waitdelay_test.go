package subprocess_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

// orphanScript leaves a background sleep holding the child's stdout and stderr after the shell
// exits, and prints the sleep's pid first, so that the test can end it.
const orphanScript = "sleep 30 & echo $!; "

// killOrphan ends the background sleep whose pid is the first line of out.
func killOrphan(t *testing.T, out []byte) {
	t.Helper()
	line, _, _ := strings.Cut(string(out), "\n")
	pid, err := strconv.Atoi(line)
	require.NoError(t, err, "no pid in %q", out)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// TestWaitDelayClosesPipesHeldByOrphan: a child that exits while a process it left behind still
// holds its output pipes returns from Output, CombinedOutput and Communicate WaitDelay after its
// exit, as os/exec's do, with what was read and exec.ErrWaitDelay (the exit's own error when it
// failed), instead of waiting for the orphan to close the pipes.
func TestWaitDelayClosesPipesHeldByOrphan(t *testing.T) {
	const delay = 100 * time.Millisecond
	runs := map[string]struct {
		script string
		run    func(c *subprocess.Cmd) ([]byte, error)
	}{
		"Output": {"exit 0", func(c *subprocess.Cmd) ([]byte, error) { return c.Output() }},
		"CombinedOutput": {"exit 0", func(c *subprocess.Cmd) ([]byte, error) {
			return c.CombinedOutput()
		}},
		"Communicate": {"exit 0", func(c *subprocess.Cmd) ([]byte, error) {
			out, _, err := c.Communicate(testctx.Within(t, 20*time.Second), []byte("input"))
			return out, err
		}},
		"Output, failed exit": {"exit 3", func(c *subprocess.Cmd) ([]byte, error) { return c.Output() }},
	}
	require.NoError(t, scheduler.Main(func() error {
		for name, r := range runs {
			c := subprocess.Command("/bin/sh", "-c", orphanScript+r.script)
			c.WaitDelay = delay
			start := time.Now()
			out, err := r.run(c)
			killOrphan(t, out)
			assert.Less(t, time.Since(start), 10*time.Second, "%s waited for the orphan", name)
			var ee *exec.ExitError
			if r.script == "exit 0" {
				assert.ErrorIs(t, err, exec.ErrWaitDelay, name)
			} else if assert.ErrorAs(t, err, &ee, name) {
				assert.Equal(t, 3, ee.ExitCode(), name)
			}
		}
		return nil
	}))
}

// TestWaitDelayAfterContextKill: CommandContext's ctx kills the child; with WaitDelay, Output
// returns soon after, with the kill's *exec.ExitError, though an orphan holds the pipe.
func TestWaitDelayAfterContextKill(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel()
		c := subprocess.CommandContext(ctx, "/bin/sh", "-c", orphanScript+"exec sleep 30")
		c.WaitDelay = 100 * time.Millisecond
		start := time.Now()
		out, err := c.Output()
		killOrphan(t, out)
		assert.Less(t, time.Since(start), 10*time.Second, "Output waited for the orphan")
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "%v", err)
		assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
		return nil
	}))
}

// TestWaitDelayAfterTryWait: a TryWait before Communicate (which starts the wait that reaps the
// process) leaves WaitDelay in force: Communicate reads what the child wrote and returns
// exec.ErrWaitDelay WaitDelay after the exit, though an orphan holds the pipes. The pipes used to
// be closed at the exit under Communicate's readers, which failed with file already closed.
func TestWaitDelayAfterTryWait(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("/bin/sh", "-c", orphanScript+"read x; echo got $x")
		c.WaitDelay = 100 * time.Millisecond
		in, err := c.StdinPipe()
		require.NoError(t, err)
		_, err = c.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		require.ErrorIs(t, c.TryWait(), scheduler.ErrNotReady)
		_, err = in.Write([]byte("it\n"))
		require.NoError(t, err)
		out, _, err := c.Communicate(testctx.Within(t, 20*time.Second), nil)
		killOrphan(t, out)
		assert.ErrorIs(t, err, exec.ErrWaitDelay)
		_, got, _ := strings.Cut(string(out), "\n")
		assert.Equal(t, "got it\n", got)
		return nil
	}))
}

// TestWaitDelayCountsFromResumedCommunicateTiming: a Communicate whose ctx ends first leaves
// what the process writes in the pipes for the next call, however late that comes, as
// Communicate's doc promises (it goes on without losing output); WaitDelay counts from the call
// that reads, as os/exec's starts once a Wait sees the exit. The pipes used to be closed
// WaitDelay after the exit whether a Communicate read them or not: the next call got no output
// and exec.ErrWaitDelay. With an orphan holding the pipes, the next call still returns
// exec.ErrWaitDelay WaitDelay after it began. Timing-sensitive in one direction only: the test
// comes back three WaitDelays after the exit, and a machine too loaded to run the closing
// goroutine by then would let it pass without the fix; the fixed code has no deadline here.
func TestWaitDelayCountsFromResumedCommunicateTiming(t *testing.T) {
	const delay = 200 * time.Millisecond
	require.NoError(t, scheduler.Main(func() error {
		// The child answers on stdout once the test writes to its fd 3.
		r3, w3, err := os.Pipe()
		require.NoError(t, err)
		c := subprocess.Command("/bin/sh", "-c", "read x <&3; echo got $x")
		c.ExtraFiles = []*os.File{r3}
		c.WaitDelay = delay
		ended, cancel := context.WithCancel(bg)
		cancel()
		out, _, err := c.Communicate(ended, nil)
		require.NoError(t, r3.Close())
		require.ErrorIs(t, err, context.Canceled)
		require.Empty(t, out, "the child has not answered yet")
		_, err = w3.Write([]byte("it\n"))
		require.NoError(t, err)
		require.NoError(t, w3.Close())
		ctx := testctx.Within(t, 20*time.Second)
		for errors.Is(c.TryWait(), scheduler.ErrNotReady) {
			require.NoError(t, scheduler.Sleep(ctx, time.Millisecond), "the child never exited")
		}
		require.NoError(t, scheduler.Sleep(ctx, 3*delay)) // the caller comes back late
		out, _, err = c.Communicate(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, "got it\n", string(out))

		c = subprocess.Command("/bin/sh", "-c", orphanScript+"exit 0")
		c.WaitDelay = delay
		_, _, err = c.Communicate(ended, nil)
		require.ErrorIs(t, err, context.Canceled)
		start := time.Now()
		out, _, err = c.Communicate(ctx, nil)
		killOrphan(t, out)
		assert.ErrorIs(t, err, exec.ErrWaitDelay)
		assert.Less(t, time.Since(start), 10*time.Second, "the second Communicate waited for the orphan")
		return nil
	}))
}
