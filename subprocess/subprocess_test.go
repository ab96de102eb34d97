package subprocess_test

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunAndOutputDoNotBlockHub(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ticks := 0
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(time.Millisecond); err != nil {
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
		err = subprocess.Command("sh", "-c", "exit 3").Run()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.ExitCode())
		assert.ErrorIs(t, subprocess.Command("true").Wait(), subprocess.ErrNotStarted)
		return ticker.Kill(nil, true, time.Second)
	}))
}

func TestWaitPid(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 7"}, &os.ProcAttr{})
		require.NoError(t, err)
		rpid, st, err := subprocess.WaitPid(p.Pid)
		require.NoError(t, err)
		assert.Equal(t, p.Pid, rpid)
		assert.True(t, st.Exited())
		assert.Equal(t, 7, st.ExitStatus())
		require.NoError(t, p.Release()) // its pidfd; the child is reaped already
		// Not our child: refused at once instead of waiting forever.
		_, _, err = subprocess.WaitPid(1)
		assert.ErrorIs(t, err, syscall.ECHILD)
		_, _, err = subprocess.WaitPid(-1)
		assert.ErrorIs(t, err, syscall.EINVAL)
		return nil
	}))
}

func TestKillWhileWaiting(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		c := subprocess.Command("sleep", "5")
		require.NoError(t, c.Start())
		g := scheduler.Go(c.Wait)
		require.NoError(t, scheduler.Sleep(5*time.Millisecond))
		require.NoError(t, g.Kill(nil, true, time.Second))
		assert.ErrorIs(t, g.ExitErr(), scheduler.ErrGreenletExit)
		require.NoError(t, c.Process.Signal(syscall.SIGKILL))
		// The off-hub Wait reaps the child; give its goroutine time to end before goleak looks.
		require.NoError(t, scheduler.Sleep(50*time.Millisecond))
		return nil
	}))
}
