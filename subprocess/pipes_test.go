package subprocess_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

const ms = time.Millisecond

// tickDuring runs wait next to a greenlet that sleeps 1 ms in a loop, and next to the same loop
// on a hub of its own on another goroutine (the reference: it lives through the same moments of
// the machine, and no wait of this hub can block it). It returns both counts and the longest
// time the greenlet went without a tick.
func tickDuring(t *testing.T, wait func() error) (ticks, ref int, maxGap time.Duration) {
	t.Helper()
	var quit atomic.Bool
	refDone := make(chan int, 1)
	go func() {
		n := 0
		assert.NoError(t, scheduler.Main(func() error {
			for ; !quit.Load(); n++ {
				if err := scheduler.Sleep(bg, ms); err != nil {
					return err
				}
			}
			return nil
		}))
		refDone <- n
	}()
	last := time.Now()
	ticker := scheduler.Go(func() error {
		for {
			if err := scheduler.Sleep(bg, ms); err != nil {
				return err
			}
			maxGap = max(maxGap, time.Since(last))
			last = time.Now()
			ticks++
		}
	})
	err := wait()
	require.NoError(t, ticker.Kill(bg, nil))
	maxGap = max(maxGap, time.Since(last))
	quit.Store(true)
	ref = <-refDone
	require.NoError(t, err)
	return ticks, ref, maxGap
}

// TestStdoutPipeKeepsHubRunningTimingSensitive: a greenlet reading a child's stdout through
// StdoutPipe for 300 ms leaves the hub running. Timing-sensitive: a 1 ms ticker greenlet must
// never go 150 ms without a tick and must tick at least a quarter as often as a reference ticker
// on a hub of its own (a blocked hub: one gap of 300 ms, 0 to 2 ticks). Higher bars flaked under
// load: see fileobject's assertHubKeepsTicking.
func TestStdoutPipeKeepsHubRunningTimingSensitive(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("/bin/sh", "-c", "sleep 0.3; echo done")
		out, err := c.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		var got []byte
		start := time.Now()
		ticks, ref, maxGap := tickDuring(t, func() error {
			got, err = io.ReadAll(out)
			return err
		})
		t.Logf("%d ticks in %v, reference %d, longest gap %v", ticks, time.Since(start).Round(ms), ref, maxGap)
		assert.GreaterOrEqual(t, time.Since(start), 250*ms, "the read did not wait")
		assert.Less(t, maxGap, 150*ms, "the ticker stalled: the hub was blocked")
		assert.GreaterOrEqual(t, 4*ticks, ref, "the hub was blocked")
		assert.Equal(t, "done\n", string(got))
		return c.Wait()
	}))
}

// StdinPipe and StdoutPipe on cat, both driven by greenlets: a write bigger than the pipes hold
// completes because the reader drains concurrently, and closing stdin ends the child.
func TestStdinAndStdoutPipes(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("cat")
		in, err := c.StdinPipe()
		require.NoError(t, err)
		out, err := c.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		msg := bytes.Repeat([]byte("stdin to stdout "), 1<<16)
		writer := scheduler.Go(func() error {
			if _, err := in.Write(msg); err != nil {
				return err
			}
			return in.Close()
		})
		got, err := io.ReadAll(out)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(msg, got), "got %d bytes", len(got))
		require.NoError(t, writer.Join(bg))
		require.NoError(t, writer.Err())
		require.NoError(t, c.Wait())
		// Wait closed the parent's ends, as os/exec does.
		_, err = out.Read(make([]byte, 1))
		assert.ErrorIs(t, err, fileobject.ErrClosed)
		return nil
	}))
}

// A child that stops reading makes the writer's Write fail with EPIPE instead of blocking.
func TestStdinPipeEPIPE(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("true")
		in, err := c.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		_, err = in.Write(make([]byte, 1<<20))
		assert.ErrorIs(t, err, syscall.EPIPE)
		return c.Wait()
	}))
}

func TestPipeErrors(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("true")
		_, err := c.StdoutPipe()
		require.NoError(t, err)
		_, err = c.StdoutPipe()
		assert.ErrorIs(t, err, subprocess.ErrStreamSet)
		assert.EqualError(t, err, "subprocess: Cmd.StdoutPipe: Stdout: stream already set")
		_, err = c.Output()
		assert.ErrorIs(t, err, subprocess.ErrStreamSet)
		require.NoError(t, c.Run())
		_, err = c.StderrPipe()
		assert.ErrorIs(t, err, subprocess.ErrStarted)

		// A start that fails closes the pipes it made.
		bad := subprocess.Command("/nonexistent/program")
		out, err := bad.StdoutPipe()
		require.NoError(t, err)
		require.Error(t, bad.Start())
		_, err = out.Read(make([]byte, 1))
		assert.ErrorIs(t, err, fileobject.ErrClosed)
		return nil
	}))
}

// Output reads through a cooperative pipe too, so it combines with StdinPipe written by another
// greenlet; and it captures standard error for the *exec.ExitError, as os/exec does.
func TestOutputWithStdinPipeAndExitStderr(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("cat")
		in, err := c.StdinPipe()
		require.NoError(t, err)
		scheduler.Go(func() error {
			if _, err := in.Write([]byte("fed by a greenlet")); err != nil {
				return err
			}
			return in.Close()
		})
		out, err := c.Output()
		require.NoError(t, err)
		assert.Equal(t, "fed by a greenlet", string(out))

		_, err = subprocess.Command("/bin/sh", "-c", "echo oops >&2; exit 2").Output()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 2, ee.ExitCode())
		assert.Equal(t, "oops\n", string(ee.Stderr))

		var buf strings.Builder
		c = subprocess.Command("/bin/sh", "-c", "echo a; echo b >&2")
		c.Stderr = &buf
		_, err = c.CombinedOutput()
		assert.ErrorIs(t, err, subprocess.ErrStreamSet, "Stderr is set")
		return nil
	}))
}

// Output keeps only the start and the end of a failing command's big standard error for the
// *exec.ExitError, byte for byte as os/exec's Output does, not all of it.
func TestOutputBoundsCapturedStderr(t *testing.T) {
	script := "head -c 300000 /dev/zero | tr '\\0' a >&2; echo middle >&2; " +
		"head -c 300000 /dev/zero | tr '\\0' z >&2; exit 1"
	_, err := exec.Command("/bin/sh", "-c", script).Output()
	var want *exec.ExitError
	require.ErrorAs(t, err, &want)
	require.Less(t, len(want.Stderr), 100000, "os/exec's Output bounds what it keeps")
	require.NoError(t, scheduler.Main(func() error {
		for _, size := range []string{"10", "65536", "65537"} {
			small := "head -c " + size + " /dev/zero | tr '\\0' s >&2; exit 2"
			_, err := exec.Command("/bin/sh", "-c", small).Output()
			var ref *exec.ExitError
			require.ErrorAs(t, err, &ref)
			_, err = subprocess.Command("/bin/sh", "-c", small).Output()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.True(t, bytes.Equal(ref.Stderr, ee.Stderr), "%s bytes: kept %d, os/exec %d",
				size, len(ee.Stderr), len(ref.Stderr))
		}
		_, err := subprocess.Command("/bin/sh", "-c", script).Output()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.True(t, bytes.Equal(want.Stderr, ee.Stderr), "kept %d bytes, os/exec %d", len(ee.Stderr), len(want.Stderr))
		return nil
	}))
}

// Communicate writes a big input to cat and reads its big output and the child's stderr at
// the same time: done one after the other, the child and the parent would both block on full
// pipes.
func TestCommunicateBigBothWays(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		msg := bytes.Repeat([]byte("0123456789"), 200000) // 2 MB, 30 pipe buffers
		c := subprocess.Command("/bin/sh", "-c", "cat; head -c 300000 /dev/zero >&2")
		stdout, stderr, err := c.Communicate(testctx.Within(t, 30*time.Second), msg)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(msg, stdout), "stdout: %d bytes", len(stdout))
		assert.Len(t, stderr, 300000)
		assert.True(t, c.ProcessState.Success())
		return nil
	}))
}

// Communicate on a started Cmd uses the pipes the caller made, and closes stdin without input.
func TestCommunicateOnStartedCmd(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("/bin/sh", "-c", "cat; echo end")
		_, err := c.StdinPipe()
		require.NoError(t, err)
		_, err = c.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		stdout, stderr, err := c.Communicate(testctx.Within(t, 5*time.Second), nil)
		require.NoError(t, err)
		assert.Equal(t, "end\n", string(stdout))
		assert.Nil(t, stderr, "stderr is not a pipe")

		c = subprocess.Command("true")
		require.NoError(t, c.Start())
		_, _, err = c.Communicate(bg, []byte("x"))
		assert.ErrorIs(t, err, subprocess.ErrStarted, "no stdin pipe to write the input to")
		require.NoError(t, c.Wait())
		return nil
	}))
}

// A Communicate whose ctx ends first returns the output so far and leaves the process running;
// the next call goes on and returns everything from the start, nothing lost or doubled.
func TestCommunicateContextThenRetry(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		// The child says "ready" on fd 3 once "first" is in its stdout pipe.
		readyR, readyW, err := os.Pipe()
		require.NoError(t, err)
		ready, err := fileobject.New(readyR)
		require.NoError(t, err)
		defer ready.Close()
		c := subprocess.Command("/bin/sh", "-c", "echo first; echo ready >&3; exec sleep 10 3>&-")
		c.ExtraFiles = []*os.File{readyW}
		ctx, cancel := context.WithCancel(bg)
		scheduler.Go(func() error {
			defer cancel()
			_, err := io.ReadFull(ready, make([]byte, len("ready\n")))
			return err
		})
		stdout, _, err := c.Communicate(ctx, []byte("ignored by the child"))
		require.NoError(t, readyW.Close())
		assert.ErrorIs(t, err, context.Canceled)
		// ctx's own error, named by Communicate: it named the pipe's read that ctx ended
		// ("subprocess: Cmd.Communicate: fileobject: File.ReadContext ...").
		assert.EqualError(t, err, "subprocess: Cmd.Communicate: context canceled")
		assert.True(t, strings.HasPrefix("first\n", string(stdout)), "so far: %q", stdout)
		assert.ErrorIs(t, c.TryWait(), scheduler.ErrNotReady, "the process still runs")

		_, _, err = c.Communicate(bg, []byte("again"))
		assert.ErrorIs(t, err, subprocess.ErrCommunicating)

		require.NoError(t, c.Process.Kill())
		stdout, stderr, err := c.Communicate(testctx.Within(t, 5*time.Second), nil)
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
		assert.Equal(t, "first\n", string(stdout))
		assert.Empty(t, stderr)
		return nil
	}))
}

// A deadline that passes while Communicate waits for the exit (both pipes done) also returns.
func TestCommunicateDeadlineDuringExitWait(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("/bin/sh", "-c", "exec sleep 10 >/dev/null 2>&1")
		_, _, err := c.Communicate(testctx.Within(t, 50*ms), nil)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, c.Process.Kill())
		_, _, err = c.Communicate(testctx.Within(t, 5*time.Second), nil)
		var ee *exec.ExitError
		assert.ErrorAs(t, err, &ee)
		return nil
	}))
}

// hubFirstCtx is a context whose deadline the hub's timer sees before the context reports it:
// its Done stays open (Err nil) until the test closes it, as a context's own timer can lag
// the hub's by an instant.
type hubFirstCtx struct {
	context.Context
	deadline time.Time
	done     chan struct{}
}

func (c *hubFirstCtx) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *hubFirstCtx) Done() <-chan struct{}       { return c.done }

func (c *hubFirstCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// A deadline that the hub's timer sees an instant before ctx reports it, during the exchange:
// Communicate returns the deadline's error named by Communicate, as when ctx reports it first.
// It returned the error of the pipe read the deadline ended ("subprocess: Cmd.Communicate:
// fileobject: File.ReadContext stdout pipe: ..."), which with a context's own deadline it did
// about once in three.
func TestCommunicateDeadlineSeenFirstByTheHub(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sleep", "10")
		ctx := &hubFirstCtx{Context: bg, deadline: time.Now().Add(20 * ms), done: make(chan struct{})}
		defer close(ctx.done)
		_, _, err := c.Communicate(ctx, nil)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.EqualError(t, err, "subprocess: Cmd.Communicate: context deadline exceeded")
		assert.ErrorIs(t, c.TryWait(), scheduler.ErrNotReady, "the process still runs")
		require.NoError(t, c.Process.Kill())
		_, _, err = c.Communicate(testctx.Within(t, 5*time.Second), nil)
		var ee *exec.ExitError
		assert.ErrorAs(t, err, &ee)
		return nil
	}))
}

// Killing the greenlet in Communicate ends its helpers too.
func TestCommunicateKilled(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sleep", "10")
		g := scheduler.Spawn(func() (error, error) {
			_, _, err := c.Communicate(bg, nil)
			return err, nil
		})
		require.NoError(t, scheduler.Sleep(bg, 0)) // g starts the child and waits on its pipes
		require.NotNil(t, c.Process)
		require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), nil))
		assert.ErrorIs(t, g.Value(), scheduler.ErrGreenletExit)
		require.NoError(t, c.Process.Kill())
		_, _, err := c.Communicate(testctx.Within(t, 5*time.Second), nil)
		var ee *exec.ExitError
		assert.True(t, errors.As(err, &ee), "%v", err)
		return nil
	}))
}

func TestCommunicateRefused(t *testing.T) {
	c := subprocess.Command("true")
	_, _, err := c.Communicate(bg, nil)
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	assert.Nil(t, c.Process, "nothing started")
	require.NoError(t, scheduler.Main(func() error {
		var nilCtx context.Context
		_, _, err := c.Communicate(nilCtx, nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		for _, z := range []*subprocess.Cmd{{}, nil} {
			_, _, err := z.Communicate(bg, nil)
			assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		}
		assert.Nil(t, c.Process, "nothing started")
		return nil
	}))
}

// A second Start, or a Run, of a started Cmd fails with os/exec's "already started" and leaves
// the running process's pipes alone, as os/exec's Start does; they used to be closed under the
// caller, who then could neither write the input nor read the output.
func TestSecondStartKeepsPipes(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sh", "-c", "read x; echo got $x")
		in, err := c.StdinPipe()
		require.NoError(t, err)
		out, err := c.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		assert.EqualError(t, c.Start(), "subprocess: Cmd.Start: exec: already started")
		assert.EqualError(t, c.Run(), "subprocess: Cmd.Run: exec: already started")
		_, err = in.Write([]byte("it\n"))
		require.NoError(t, err)
		require.NoError(t, in.Close())
		got, err := io.ReadAll(out)
		require.NoError(t, err)
		assert.Equal(t, "got it\n", string(got))
		return c.Wait()
	}))
}

// TryWait, and a WaitContext whose ctx ends first, leave the pipes open: what the process wrote
// before it exited is still there to read once TryWait reports the exit, as after gevent's
// Popen.poll and Popen.wait(timeout); the Wait that returns the exit closes them. They used to
// be closed as soon as the process exited, so the output was lost.
func TestTryWaitAndTimedOutWaitLeavePipesOpen(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		exited := func(c *subprocess.Cmd) {
			for errors.Is(c.TryWait(), scheduler.ErrNotReady) {
				require.NoError(t, scheduler.Sleep(ctx, time.Millisecond), "the process never exited")
			}
		}

		c := subprocess.Command("sh", "-c", "echo hello")
		out, err := c.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		exited(c)
		got, err := io.ReadAll(out)
		require.NoError(t, err, "read after TryWait saw the exit")
		assert.Equal(t, "hello\n", string(got))
		require.NoError(t, c.Wait())
		_, err = out.Read(make([]byte, 1))
		assert.ErrorIs(t, err, fileobject.ErrClosed, "Wait closed the pipe")

		c = subprocess.Command("sh", "-c", "read x; echo got $x")
		in, err := c.StdinPipe()
		require.NoError(t, err)
		out, err = c.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		short, cancel := context.WithTimeout(bg, 5*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, c.WaitContext(short), scheduler.ErrTimeout)
		_, err = in.Write([]byte("it\n"))
		require.NoError(t, err)
		require.NoError(t, in.Close())
		exited(c)
		got, err = io.ReadAll(out)
		require.NoError(t, err, "read after a timed-out WaitContext, the process exited")
		assert.Equal(t, "got it\n", string(got))
		return c.Wait()
	}))
}

// The same for WaitContext, whose wait for the exit is woken from a goroutine off the hub: the
// deadline's error named by WaitContext, as when ctx reports it first. It returned the wrapping
// of it by the wait it parked in ("subprocess: Cmd.WaitContext: scheduler: RunBlocking: ...",
// when that wait was scheduler.RunBlocking).
func TestWaitContextDeadlineSeenFirstByTheHub(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sleep", "10")
		require.NoError(t, c.Start())
		ctx := &hubFirstCtx{Context: bg, deadline: time.Now().Add(20 * ms), done: make(chan struct{})}
		defer close(ctx.done)
		err := c.WaitContext(ctx)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.EqualError(t, err, "subprocess: Cmd.WaitContext: context deadline exceeded")
		require.NoError(t, c.Process.Kill())
		var ee *exec.ExitError
		assert.ErrorAs(t, c.WaitContext(testctx.Within(t, 5*time.Second)), &ee)
		return nil
	}))
}

// What StdoutPipe's doc says of os/exec's pipeline idiom: the cooperative pipe given as another
// command's Stdin is read by os/exec's goroutine, which is refused, and that command gets no
// input and returns the refusal; nothing hangs.
func TestStdoutPipeAsAnotherStdinIsRefused(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		a := subprocess.Command("echo", "abc")
		out, err := a.StdoutPipe()
		require.NoError(t, err)
		b := subprocess.Command("cat")
		b.Stdin = out
		require.NoError(t, a.Start())
		got, err := b.Output()
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.Empty(t, got)
		require.NoError(t, a.Wait())
		return nil
	}))
}
