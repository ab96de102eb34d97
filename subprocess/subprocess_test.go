package subprocess_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

// The goroutine of a killed waiter's off-hub exec.Cmd.Wait ends once os/exec reaped the child;
// goleak retries until it has.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

// Run, Output and CombinedOutput leave the hub running while the child runs. Timing: a ticker
// greenlet sleeping 1 ms must tick more than 10 times during a 50 ms child; a loaded machine can
// stretch its ticks.
func TestRunAndOutputDoNotBlockHubTiming(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ticks := 0
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(bg, time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
		})
		require.NoError(t, subprocess.Command("sleep", "0.05").Run())
		assert.Greater(t, ticks, 10)
		out, err := subprocess.Command("echo", "hi").Output()
		require.NoError(t, err)
		assert.Equal(t, "hi\n", string(out))
		out, err = subprocess.Command("sh", "-c", "echo out; echo err >&2").CombinedOutput()
		require.NoError(t, err)
		assert.Equal(t, "out\nerr\n", string(out))
		err = subprocess.Command("sh", "-c", "exit 3").Run()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.ExitCode())
		err = subprocess.Command("true").Wait()
		assert.ErrorIs(t, err, subprocess.ErrNotStarted)
		assert.EqualError(t, err, "subprocess: Cmd.Wait: process not started")
		return ticker.Kill(bg, nil)
	}))
}

func TestWaitPid(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 7"}, &os.ProcAttr{})
		require.NoError(t, err)
		rpid, st, err := subprocess.WaitPid(testctx.Within(t, 5*time.Second), p.Pid)
		require.NoError(t, err)
		assert.Equal(t, p.Pid, rpid)
		assert.True(t, st.Exited())
		assert.Equal(t, 7, st.ExitStatus())
		require.NoError(t, p.Release()) // its pidfd; the child is reaped already
		// Not our child: refused at once instead of waiting forever.
		_, _, err = subprocess.WaitPid(bg, 1)
		assert.ErrorIs(t, err, syscall.ECHILD)
		_, _, err = subprocess.WaitPid(bg, -1)
		assert.ErrorIs(t, err, syscall.EINVAL)
		var nilCtx context.Context
		_, _, err = subprocess.WaitPid(nilCtx, p.Pid)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		return nil
	}))
}

// A WaitPid whose context ends first returns the context's error and leaves the child unreaped,
// so a later WaitPid still gets its status.
func TestWaitPidContext(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		p, err := os.StartProcess("/bin/sleep", []string{"sleep", "5"}, &os.ProcAttr{})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(bg, 10*time.Millisecond)
		defer cancel()
		_, _, err = subprocess.WaitPid(ctx, p.Pid)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, p.Signal(syscall.SIGKILL))
		rpid, st, err := subprocess.WaitPid(testctx.Within(t, 5*time.Second), p.Pid)
		require.NoError(t, err)
		assert.Equal(t, p.Pid, rpid)
		assert.Equal(t, syscall.SIGKILL, st.Signal())
		return p.Release()
	}))
}

func TestKillWhileWaiting(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sleep", "5")
		require.NoError(t, c.Start())
		g := scheduler.Go(c.Wait)
		require.NoError(t, scheduler.Sleep(bg, 0)) // g starts waiting
		require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), nil))
		assert.ErrorIs(t, g.ExitErr(), scheduler.ErrGreenletExit)
		// The off-hub exec.Cmd.Wait reaps the child once it exits.
		return c.Process.Signal(syscall.SIGKILL)
	}))
}

// CommandContext kills the process when the context ends, and Wait returns once os/exec has
// reaped it.
func TestCommandContext(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx, cancel := context.WithCancel(bg)
		c := subprocess.CommandContext(ctx, "sleep", "5")
		require.NoError(t, c.Start())
		cancel()
		err := c.Wait()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
		assert.NotNil(t, c.ProcessState)
		return nil
	}))
}

func TestBadInput(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var nilCtx context.Context
		c := subprocess.CommandContext(nilCtx, "true")
		assert.ErrorIs(t, c.Run(), scheduler.ErrNilArgument)
		assert.Nil(t, c.Process, "nothing started")
		_, err := subprocess.CommandContext(nilCtx, "true").Output()
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		// A Cmd without an exec.Cmd: errors, not panics.
		for _, c := range []*subprocess.Cmd{{}, nil} {
			for name, err := range map[string]error{
				"Start": c.Start(), "Run": c.Run(), "Wait": c.Wait(),
				"Output": second(c.Output()), "CombinedOutput": second(c.CombinedOutput()),
				"StdinPipe": second(c.StdinPipe()), "StdoutPipe": second(c.StdoutPipe()),
				"StderrPipe": second(c.StderrPipe()),
			} {
				assert.ErrorIs(t, err, scheduler.ErrNilArgument, name)
				assert.ErrorContains(t, err, "subprocess: Cmd."+name+": no exec.Cmd", name)
			}
			assert.Empty(t, c.String())
			assert.Nil(t, c.Environ())
		}
		// An exec.Cmd of one's own, wrapped.
		own := &subprocess.Cmd{Cmd: exec.Command("/bin/sh", "-c", "exit 0")}
		assert.NoError(t, own.Run())
		assert.Equal(t, "/bin/sh -c exit 0", own.String())
		return nil
	}))
}

func second[T any](_ T, err error) error { return err }

// Every blocking call is refused outside a greenlet and from the hub greenlet itself, starts
// nothing, and creates no hub.
func TestNotGreenlet(t *testing.T) {
	refused := func(t *testing.T) {
		c := subprocess.Command("true")
		assert.ErrorIs(t, c.Run(), scheduler.ErrNotGreenlet)
		assert.Nil(t, c.Process, "nothing started")
		_, err := c.Output()
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		_, err = c.CombinedOutput()
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.ErrorIs(t, c.Wait(), scheduler.ErrNotGreenlet)
		assert.Nil(t, c.Process, "nothing started")
		_, _, err = subprocess.WaitPid(bg, os.Getpid())
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	}
	refused(t)
	assert.Nil(t, scheduler.CurrentHub())
	require.NoError(t, scheduler.Main(func() error {
		done := make(chan struct{})
		scheduler.CurrentHub().RunCallback(func() {
			defer close(done)
			refused(t)
		})
		require.NoError(t, scheduler.Sleep(bg, 0)) // the callback runs meanwhile
		select {
		case <-done:
		default:
			t.Error("the hub callback did not run")
		}
		return nil
	}))
}

// awaitReaped polls until process pid is reaped (its /proc entry is gone), so that an
// exec.Cmd.Wait left running by an earlier wait has returned.
func awaitReaped(t *testing.T, pid int) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); os.IsNotExist(err) {
			return
		}
		require.True(t, time.Now().Before(deadline), "process %d was not reaped", pid)
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
	}
}

// requireKilled checks that err is the *exec.ExitError of a process killed by SIGKILL.
func requireKilled(t *testing.T, err error) {
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "Wait: %v", err)
	assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
}

// Wait after a Communicate that gave up waiting for the exit returns the exit: the off-hub
// exec.Cmd.Wait the Communicate left running is the one Wait waits for (a second one raced
// it and failed with "waitid: no child processes", or, once the first had reaped the child,
// with "Wait was already called").
func TestWaitAfterCommunicateTimeout(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("/bin/sh", "-c", "exec sleep 10 >/dev/null 2>&1")
		_, _, err := c.Communicate(testctx.Within(t, 50*time.Millisecond), nil)
		require.ErrorIs(t, err, scheduler.ErrTimeout)
		require.NoError(t, c.Process.Kill())
		awaitReaped(t, c.Process.Pid)
		requireKilled(t, c.Wait())
		return nil
	}))
}

// Wait again after a Wait whose greenlet was killed returns the exit, as above.
func TestWaitAgainAfterKilledWait(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sleep", "10")
		require.NoError(t, c.Start())
		g := scheduler.Go(c.Wait)
		require.NoError(t, scheduler.Sleep(bg, 0)) // g waits
		require.NoError(t, g.Kill(testctx.Within(t, 5*time.Second), nil))
		require.NoError(t, c.Process.Kill())
		awaitReaped(t, c.Process.Pid)
		requireKilled(t, c.Wait())
		assert.ErrorContains(t, c.Wait(), "Wait was already called")
		return nil
	}))
}

// WaitContext is gevent's Popen.wait(timeout): a deadline that passes first ends the wait with
// ErrTimeout and leaves the process running (it still answers on its stdin); the next
// WaitContext returns its exit once it exited.
func TestWaitContextLeavesProcessRunning(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sh", "-c", "read x; exit 5")
		stdin, err := c.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, c.Start())
		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		err = c.WaitContext(ctx)
		require.ErrorIs(t, err, scheduler.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "Cmd.WaitContext")
		ended, cancelEnded := context.WithCancel(bg)
		cancelEnded()
		err = c.WaitContext(ended)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, "subprocess: Cmd.WaitContext: context canceled", err.Error(), "the error names the call made, not its plumbing")
		assert.ErrorIs(t, c.TryWait(), scheduler.ErrNotReady, "the process was ended")

		_, err = stdin.Write([]byte("go\n"))
		require.NoError(t, err)
		require.NoError(t, stdin.Close())
		var ee *exec.ExitError
		require.ErrorAs(t, c.WaitContext(testctx.Within(t, 10*time.Second)), &ee)
		assert.Equal(t, 5, ee.ExitCode())
		assert.ErrorContains(t, c.Wait(), "Wait was already called")

		assert.ErrorIs(t, subprocess.Command("true").WaitContext(bg), subprocess.ErrNotStarted)
		var nilCtx context.Context
		assert.ErrorIs(t, c.WaitContext(nilCtx), scheduler.ErrNilArgument)
		return nil
	}))
	err := subprocess.Command("true").WaitContext(bg)
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, "outside a greenlet")
}

// Two WaitPids of one hub on the same child both get its status, as every ev_child of a pid
// does (the second used to wait until its context ended).
func TestWaitPidTwiceOnOneChild(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 3"}, &os.ProcAttr{})
		require.NoError(t, err)
		defer p.Release()
		wait := func() (syscall.WaitStatus, error) {
			_, st, err := subprocess.WaitPid(testctx.Within(t, 10*time.Second), p.Pid)
			return st, err
		}
		g1, g2 := scheduler.Spawn(wait), scheduler.Spawn(wait)
		for _, g := range []*scheduler.Greenlet[syscall.WaitStatus]{g1, g2} {
			st, err := g.Get(bg)
			require.NoError(t, err)
			assert.Equal(t, 3, st.ExitStatus())
		}
		return nil
	}))
}

// WaitPid on a child that something else reaps meanwhile fails with ECHILD instead of waiting
// until its context ends.
func TestWaitPidReapedElsewhere(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		p, err := os.StartProcess("/bin/sleep", []string{"sleep", "10"}, &os.ProcAttr{})
		require.NoError(t, err)
		defer p.Release()
		g := scheduler.Spawn(func() (int, error) {
			_, _, err := subprocess.WaitPid(testctx.Within(t, 10*time.Second), p.Pid)
			return 0, err
		})
		require.NoError(t, scheduler.Sleep(bg, 0)) // g's watcher is started
		require.NoError(t, p.Kill())
		// Reaped under the watcher: a blocking wait4 on the hub's thread, so that the loop
		// cannot reap the child first.
		var ws syscall.WaitStatus
		_, err = syscall.Wait4(p.Pid, &ws, 0, nil)
		require.NoError(t, err)
		_, err = g.Get(bg)
		assert.ErrorIs(t, err, syscall.ECHILD)
		return nil
	}))
}

// TestTryWait: TryWait answers ErrNotReady while the process runs, then its exit, again on
// every call, and Wait afterwards returns the same exit; from a plain goroutine too.
func TestTryWait(t *testing.T) {
	assert.ErrorIs(t, subprocess.Command("true").TryWait(), subprocess.ErrNotStarted)
	require.NoError(t, scheduler.Main(func() error {
		cmd := subprocess.Command("sh", "-c", "read x; exit 4")
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		err = cmd.TryWait()
		assert.ErrorIs(t, err, scheduler.ErrNotReady)
		assert.ErrorContains(t, err, "Cmd.TryWait")
		_, err = stdin.Write([]byte("go\n"))
		require.NoError(t, err)
		require.NoError(t, stdin.Close())
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		for errors.Is(cmd.TryWait(), scheduler.ErrNotReady) {
			require.NoError(t, scheduler.Sleep(ctx, time.Millisecond), "the process never exited")
		}
		var ee *exec.ExitError
		require.ErrorAs(t, cmd.TryWait(), &ee)
		assert.Equal(t, 4, ee.ExitCode())
		require.ErrorAs(t, cmd.TryWait(), &ee, "the exit again")
		done := make(chan error, 1)
		go func() { done <- cmd.TryWait() }()
		require.ErrorAs(t, <-done, &ee, "from a plain goroutine")
		require.ErrorAs(t, cmd.Wait(), &ee, "Wait returns the same exit")
		assert.Equal(t, 4, ee.ExitCode())
		return nil
	}))
}

// A WaitContext whose ctx ends first leaves no goroutine behind: polling a long-running process
// with short WaitContexts, as a loop around gevent's Popen.wait(timeout) does, costs nothing
// that lasts. Before, each one left a goroutine waiting for the exit (and holding the hub's loop
// alive) until the process exited: here 50 of them, for as long as the process ran.
func TestWaitContextLeavesNoGoroutineBehind(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sleep", "30")
		require.NoError(t, c.Start())
		defer func() { _ = c.Process.Kill(); _ = c.Wait() }()
		require.ErrorIs(t, c.TryWait(), scheduler.ErrNotReady) // starts the one wait that reaps it
		before := runtime.NumGoroutine()
		for range 50 {
			ctx, cancel := context.WithTimeout(bg, time.Millisecond)
			err := c.WaitContext(ctx)
			cancel()
			require.ErrorIs(t, err, scheduler.ErrTimeout)
		}
		guard := testctx.Within(t, 10*time.Second)
		for runtime.NumGoroutine() > before+5 {
			require.NoError(t, scheduler.Sleep(guard, time.Millisecond), "%d goroutines, %d before the waits", runtime.NumGoroutine(), before)
		}
		return nil
	}))
}

// A WaitContext whose ctx has already ended returns the exit of a process known to have exited
// (here seen by TryWait): the ctx did not end first, and gevent's Popen.wait(timeout=0) returns
// the exit code then. Before, it returned context.Canceled and the exit only came from a later
// wait.
func TestWaitContextReturnsKnownExitWithEndedContext(t *testing.T) {
	done, cancel := context.WithCancel(bg)
	cancel()
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sh", "-c", "exit 4")
		require.NoError(t, c.Start())
		guard := testctx.Within(t, 10*time.Second)
		for errors.Is(c.TryWait(), scheduler.ErrNotReady) {
			require.NoError(t, scheduler.Sleep(guard, time.Millisecond))
		}
		var ee *exec.ExitError
		require.ErrorAs(t, c.WaitContext(done), &ee)
		assert.Equal(t, 4, ee.ExitCode())
		assert.ErrorContains(t, c.WaitContext(done), "Wait was already called")
		return nil
	}))
}

// A command that cannot start fails with an *Error naming the call made, around os/exec's error,
// which errors.Is and errors.As still find; the pipes made for it are closed. The calls returned
// os/exec's bare "fork/exec ..." error, which named none of them.
func TestStartFailureNamesTheCall(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		before := fdCount(t)
		calls := map[string]func(c *subprocess.Cmd) error{
			"Cmd.Start":          func(c *subprocess.Cmd) error { return c.Start() },
			"Cmd.Run":            func(c *subprocess.Cmd) error { return c.Run() },
			"Cmd.Output":         func(c *subprocess.Cmd) error { return second(c.Output()) },
			"Cmd.CombinedOutput": func(c *subprocess.Cmd) error { return second(c.CombinedOutput()) },
			"Cmd.Communicate": func(c *subprocess.Cmd) error {
				_, _, err := c.Communicate(bg, []byte("input"))
				return err
			},
		}
		for op, call := range calls {
			err := call(subprocess.Command("/nonexistent/command"))
			var se *subprocess.Error
			require.ErrorAs(t, err, &se, op)
			assert.Equal(t, op, se.Op)
			assert.ErrorIs(t, err, fs.ErrNotExist, op)
			var pe *fs.PathError
			assert.ErrorAs(t, err, &pe, op)
			assert.Equal(t, "subprocess: "+op+": fork/exec /nonexistent/command: no such file or directory", err.Error())

			err = call(subprocess.Command("geventgo-no-such-command-in-path"))
			require.ErrorAs(t, err, &se, op)
			assert.Equal(t, op, se.Op)
			assert.ErrorIs(t, err, exec.ErrNotFound, op)
		}
		assert.Equal(t, before, fdCount(t), "the pipes of a command that did not start stay open")
		return nil
	}))
}
