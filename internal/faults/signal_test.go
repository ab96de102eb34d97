package faults

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestSignalShutdown sends SIGINT and SIGTERM to our own process while
// gsignal.Main runs greenlets blocked in several operations: Main returns
// the signal's error, every greenlet's defers run (the main body's too), and
// no goroutine is left.
func TestSignalShutdown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			var deferred []string
			var bodyErr error
			err := gsignal.Main(func() error {
				defer func() { deferred = append(deferred, "main body") }()
				for _, name := range []string{"sleeper", "waiter", "joiner"} {
					g := scheduler.Go(func() error {
						defer func() { deferred = append(deferred, name) }()
						switch name {
						case "sleeper":
							return scheduler.Sleep(bg, time.Hour)
						case "waiter":
							_, err := scheduler.NewWaiter("").Get(bg)
							return err
						default:
							return scheduler.Go(func() error { return scheduler.Sleep(bg, time.Hour) }).Join(bg)
						}
					})
					g.SetName(name)
				}
				// Sleep(0) resumes after each of them blocked; then
				// signal ourselves.
				if err := scheduler.Sleep(bg, 0); err != nil {
					return err
				}
				if err := gsignal.Self(sig); err != nil {
					return err
				}
				bodyErr = scheduler.Sleep(bg, time.Hour)
				return bodyErr
			})
			require.Error(t, err)
			assert.ErrorIs(t, err, gsignal.ErrInterrupted)
			var se *gsignal.SignalError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, sig, se.Signal)
			assert.ErrorIs(t, bodyErr, scheduler.ErrGreenletExit, "the main body was killed at its blocking call")
			assert.ElementsMatch(t, []string{"main body", "sleeper", "waiter", "joiner"}, deferred)
			goleak.VerifyNone(t, before)
		})
	}
}

// childEnv names the role a re-executed test binary plays.
const childEnv = "GEVENTGO_FAULTS_CHILD"

// TestSignalHandlingRestored checks, in a child process, that after
// gsignal.Main returns SIGTERM has its default action again: the child
// signals itself a second time and must die of it.
func TestSignalHandlingRestored(t *testing.T) {
	if os.Getenv(childEnv) == "sigterm-twice" {
		signalChild()
		return
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestSignalHandlingRestored$")
	cmd.Env = append(os.Environ(), childEnv+"=sigterm-twice")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "child must die of the signal; err=%v output:\n%s", err, out)
	ws, ok := ee.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled(), "child output:\n%s", out)
	assert.Equal(t, syscall.SIGTERM, ws.Signal())
	assert.Contains(t, string(out), "first SIGTERM handled: interrupted by signal")
	assert.NotContains(t, string(out), "survived")
}

// signalChild is the child's side: one SIGTERM handled by gsignal.Main,
// then a second one after Main returned, which must kill the process.
func signalChild() {
	err := gsignal.Main(func() error {
		if err := gsignal.Self(syscall.SIGTERM); err != nil {
			return err
		}
		return scheduler.Sleep(bg, time.Hour)
	})
	if errors.Is(err, gsignal.ErrInterrupted) {
		os.Stdout.WriteString("first SIGTERM handled: " + gsignal.ErrInterrupted.Error() + "\n")
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	time.Sleep(5 * time.Second)
	os.Stdout.WriteString("survived the second SIGTERM\n")
	os.Exit(0)
}
