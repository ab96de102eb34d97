package socket_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// bg bounds the waits that have no limit of their own.
var bg = context.Background()

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pollUntil polls cond from a greenlet, sleeping a millisecond between tries, until it holds or
// ctx ends.
func pollUntil(ctx context.Context, cond func() bool) error {
	for !cond() {
		if err := scheduler.Sleep(ctx, time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// childTest names, in the environment of a child test process, the test it runs.
//
// A test that changes what is process-wide (RLIMIT_NOFILE, net.DefaultResolver) runs in a
// child: the test re-executes its own binary (os.Executable) with -test.run selecting only
// itself and childTest set to its name; in the child the same function sees the variable and
// runs the body. The parent fails with the child's output if the child fails.
const childTest = "GEVENTGO_SOCKET_CHILD_TEST"

// inChildProcess reports whether the running test is the child. In the parent it runs the
// child, checks that it passed and logs the lines the child marked "measured:".
func inChildProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childTest) == t.Name() {
		return true
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(testctx.Within(t, 2*time.Minute), exe,
		"-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childTest+"="+t.Name())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the child test failed:\n%s", out)
	require.Contains(t, string(out), "--- PASS: "+t.Name(), "the child ran the test:\n%s", out)
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, "measured:") {
			t.Log("child " + strings.TrimSpace(line))
		}
	}
	return false
}
