package subprocess_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

// gone reports whether pid no longer exists: it exited and was reaped (a zombie still has its
// /proc entry).
func gone(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return os.IsNotExist(err)
}

// fdCount counts this process's open descriptors.
func fdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// endHubWhile runs body in a greenlet of a new hub and ends the hub (Main's fn returns) once
// started says the greenlet waits; it returns the greenlet's outcome.
func endHubWhile(t *testing.T, body func() error, started func() bool) error {
	t.Helper()
	var got error
	require.NoError(t, scheduler.Main(func() error {
		scheduler.Go(func() error { got = body(); return nil })
		deadline := time.Now().Add(10 * time.Second)
		for !started() {
			require.True(t, time.Now().Before(deadline), "the greenlet never started its wait")
			require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
		}
		return scheduler.Sleep(bg, 0) // let it reach its wait
	}))
	return got
}

// TestTeardownOutputReaps: a greenlet in Output when its hub ends gets GreenletExit; its pipes
// (which nobody else can read) are closed and the child is reaped once it exits, as the package
// doc promises for a killed wait.
func TestTeardownOutputReaps(t *testing.T) {
	before := fdCount(t)
	c := subprocess.Command("sleep", "100")
	err := endHubWhile(t, func() error { _, err := c.Output(); return err }, func() bool { return c.Process != nil })
	assert.ErrorIs(t, err, scheduler.ErrGreenletExit)
	require.NoError(t, c.Process.Kill())
	require.Eventually(t, func() bool { return gone(c.Process.Pid) }, 10*time.Second, time.Millisecond,
		"the child of an abandoned Output is never reaped")
	require.Eventually(t, func() bool { return fdCount(t) <= before }, 10*time.Second, time.Millisecond,
		"the pipes of an abandoned Output stay open")
}

// TestTeardownWaitReaps: a greenlet in Wait when its hub ends gets GreenletExit; the child is
// reaped once it exits, off the hub, and nothing leaks (goleak, descriptors).
func TestTeardownWaitReaps(t *testing.T) {
	before := fdCount(t)
	c := subprocess.Command("sleep", "100")
	require.NoError(t, c.Start())
	err := endHubWhile(t, c.Wait, func() bool { return true })
	assert.ErrorIs(t, err, scheduler.ErrGreenletExit)
	require.NoError(t, c.Process.Kill())
	require.Eventually(t, func() bool { return gone(c.Process.Pid) }, 10*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return fdCount(t) <= before }, 10*time.Second, time.Millisecond)
}

// TestTeardownCommandContextKilled: a command bound to its greenlet's Context is killed and
// reaped when the hub's end kills the greenlet.
func TestTeardownCommandContextKilled(t *testing.T) {
	var c *subprocess.Cmd
	err := endHubWhile(t, func() error {
		c = subprocess.CommandContext(scheduler.GetCurrent().Context(), "sleep", "100")
		return c.Run()
	}, func() bool { return c != nil && c.Process != nil })
	assert.ErrorIs(t, err, scheduler.ErrGreenletExit)
	require.Eventually(t, func() bool { return gone(c.Process.Pid) }, 10*time.Second, time.Millisecond)
}

// TestTeardownWaitPidThenNewHub: a greenlet in WaitPid when its hub ends gets GreenletExit and
// leaves the child unreaped; a later hub's WaitPid reaps it.
func TestTeardownWaitPidThenNewHub(t *testing.T) {
	before := fdCount(t)
	p, err := os.StartProcess("/bin/sleep", []string{"sleep", "100"}, &os.ProcAttr{})
	require.NoError(t, err)
	defer func() { _ = p.Release() }()
	err = endHubWhile(t, func() error { _, _, err := subprocess.WaitPid(bg, p.Pid); return err },
		func() bool { return true })
	assert.ErrorIs(t, err, scheduler.ErrGreenletExit)
	assert.False(t, gone(p.Pid), "WaitPid reaped nothing")
	require.NoError(t, p.Signal(syscall.SIGKILL))
	require.NoError(t, scheduler.Main(func() error {
		rpid, st, err := subprocess.WaitPid(bg, p.Pid)
		require.NoError(t, err)
		assert.Equal(t, p.Pid, rpid)
		assert.Equal(t, syscall.SIGKILL, st.Signal())
		return nil
	}))
	require.NoError(t, p.Release())
	assert.LessOrEqual(t, fdCount(t), before)
}

// TestTeardownCommunicateReaps: a greenlet in Communicate when its hub ends gets GreenletExit;
// the child is reaped once it exits, as gevent's child watcher reaps it and as a killed Wait
// or Output does here. It stayed a zombie: nothing had started the wait that reaps it, and no
// later call on the Cmd was coming. The pipes stay open for a later Communicate, which gets the
// exit from the same wait.
func TestTeardownCommunicateReaps(t *testing.T) {
	before := fdCount(t)
	c := subprocess.Command("sleep", "100")
	err := endHubWhile(t, func() error { _, _, err := c.Communicate(bg, nil); return err },
		func() bool { return c.Process != nil })
	assert.ErrorIs(t, err, scheduler.ErrGreenletExit)
	require.NoError(t, c.Process.Kill())
	require.Eventually(t, func() bool { return gone(c.Process.Pid) }, 10*time.Second, time.Millisecond,
		"the child of a killed Communicate is never reaped")
	require.NoError(t, scheduler.Main(func() error {
		out, _, err := c.Communicate(bg, nil)
		assert.Empty(t, out)
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
		return nil
	}))
	require.Eventually(t, func() bool { return fdCount(t) <= before }, 10*time.Second, time.Millisecond)
}

// pidfdCount counts this process's open pidfds (os.Process holds one per child until a Wait or
// Release).
func pidfdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == "anon_inode:[pidfd]" {
			n++
		}
	}
	return n
}

// TestCommunicateContextEndReaps: a Communicate whose ctx ends first leaves the process running,
// and has it reaped once it exits, with no other call on the Cmd, as a killed Communicate and
// WaitContext do (gevent's child watcher reaps it). It stayed a zombie, holding its pidfd, until
// the program called Communicate or Wait again, which it need never do. What the doc promises
// stays: the pipes stay open and the next Communicate goes on reading and returns the exit; and
// Process.Kill then Wait ends a process still running, closing its pipes.
func TestCommunicateContextEndReaps(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		fds, pidfds := fdCount(t), pidfdCount(t)
		ended, cancel := context.WithCancel(bg)
		cancel()

		// The child answers on stdout and exits once the test writes to its fd 3.
		r3, w3, err := os.Pipe()
		require.NoError(t, err)
		c := subprocess.Command("/bin/sh", "-c", "read x <&3; echo got $x; exit 4")
		c.ExtraFiles = []*os.File{r3}
		out, _, err := c.Communicate(ended, nil)
		require.NoError(t, r3.Close())
		require.ErrorIs(t, err, context.Canceled)
		require.Empty(t, out, "the child has not answered yet")
		_, err = w3.Write([]byte("it\n"))
		require.NoError(t, err)
		require.NoError(t, w3.Close())
		awaitReaped(t, c.Process.Pid) // a zombie keeps its /proc entry
		deadline := time.Now().Add(5 * time.Second)
		for pidfdCount(t) > pidfds {
			require.True(t, time.Now().Before(deadline), "the pidfd of the reaped child stays open")
			require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
		}
		assert.Greater(t, fdCount(t), fds, "the pipes stay open for the next Communicate")
		out, _, err = c.Communicate(testctx.Within(t, 5*time.Second), nil)
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 4, ee.ExitCode())
		assert.Equal(t, "got it\n", string(out))
		assert.Equal(t, fds, fdCount(t), "the Communicate that returned the exit closed the pipes")

		// Still running when ctx ended: Process.Kill then Wait ends it.
		c = subprocess.Command("sleep", "10")
		_, _, err = c.Communicate(ended, nil)
		require.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, c.TryWait(), scheduler.ErrNotReady, "the process still runs")
		require.NoError(t, c.Process.Kill())
		requireKilled(t, c.Wait())
		assert.Equal(t, fds, fdCount(t), "Wait closed the pipes")
		assert.Equal(t, pidfds, pidfdCount(t))
		return nil
	}))
}
