package benchio

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sink int

// spin burns CPU until ProcessCPU of this process has advanced by d, or fails
// the test after a generous wall-clock deadline.
func spin(t *testing.T, d time.Duration) (before, after time.Duration) {
	t.Helper()
	before, err := ProcessCPU(os.Getpid())
	require.NoError(t, err)
	deadline := time.Now().Add(30 * time.Second)
	for after = before; after-before < d; {
		for i := range 1_000_000 {
			sink += i
		}
		after, err = ProcessCPU(os.Getpid())
		require.NoError(t, err)
		require.True(t, time.Now().Before(deadline), "CPU clock stuck at %v", after)
	}
	return before, after
}

func TestProcessCPUAdvancesWithWork(t *testing.T) {
	before, after := spin(t, 20*time.Millisecond)
	assert.GreaterOrEqual(t, after-before, 20*time.Millisecond)
}

func TestProcessCPUOfAnotherProcess(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	cpu, err := ProcessCPU(pid)
	require.NoError(t, err, "any process may read a thread-group leader's CPU clock")
	assert.Less(t, cpu, time.Second, "sleep uses next to no CPU")
	_, _, err = ProcessTimes(pid)
	require.NoError(t, err)

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	_, err = ProcessCPU(pid)
	assert.Error(t, err, "a reaped process has no clock")
}

func TestProcessCPUBadPID(t *testing.T) {
	for _, pid := range []int{0, -1} {
		_, err := ProcessCPU(pid)
		assert.ErrorIs(t, err, ErrBadPID)
		_, _, err = ProcessTimes(pid)
		assert.ErrorIs(t, err, ErrBadPID)
	}
}

func TestProcessTimesOfSelf(t *testing.T) {
	spin(t, 50*time.Millisecond)
	user, sys, err := ProcessTimes(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, user+sys, "50 ms of CPU shows in /proc ticks")
}

func TestParseStatTimes(t *testing.T) {
	line := "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 1 0 100 1000 10 18446744073709551615"
	user, sys, err := parseStatTimes(line)
	require.NoError(t, err)
	assert.Equal(t, 2500*time.Millisecond, user)
	assert.Equal(t, 370*time.Millisecond, sys)

	for _, bad := range []string{"", "4242 (x) S 1 2", "4242 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 u 37 0"} {
		_, _, err := parseStatTimes(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestStartProfile(t *testing.T) {
	t.Setenv(ProfileEnv, "")
	StartProfile()() // no profile asked for: nothing happens

	path := t.TempDir() + "/cpu.pprof"
	t.Setenv(ProfileEnv, path)
	stop := StartProfile()
	spin(t, 20*time.Millisecond)
	stop()
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Positive(t, st.Size())
}
