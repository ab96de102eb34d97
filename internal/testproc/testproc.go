// Package testproc holds what the project's tests need to change process-wide state: running a
// test in a child process of its own, and the descriptor limit.
//
// A test that changes what is process-wide (RLIMIT_NOFILE, net.DefaultResolver) runs in a
// child: InChild re-executes the test binary with -test.run selecting only that test and
// ChildEnv set to its name; in the child the same test function sees the variable and runs the
// body. The parent fails with the child's output if the child fails. A test that needs
// GODEBUG=panicnil=1 runs its body in such a child too (PanicNilChild).
package testproc

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
)

// ChildEnv names, in the environment of a child test process, the test it runs.
const ChildEnv = "GEVENTGO_CHILD_TEST"

// InChild reports whether the running test is the child. In the parent it runs the child,
// checks that it passed and logs the lines the child marked "measured:".
func InChild(t *testing.T) bool {
	t.Helper()
	return InChildWith(t)
}

// InChildWith is InChild with env ("KEY=value" entries) added to the child's environment, for
// what the runtime reads only at start-up, such as GODEBUG.
func InChildWith(t *testing.T, env ...string) bool {
	t.Helper()
	if os.Getenv(ChildEnv) == t.Name() {
		return true
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(testctx.Within(t, 2*time.Minute), exe,
		"-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(append(os.Environ(), env...), ChildEnv+"="+t.Name())
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

// FDOpen reports whether fd is an open descriptor of the process.
func FDOpen(fd int) bool {
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return e == 0
}

// OpenPoller makes the runtime open its poller's descriptors (it does so on first use, which
// would fail under a lowered limit) by opening and closing a pipe.
func OpenPoller(t *testing.T) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, w.Close())
}

// SetFDLimit sets the process's soft RLIMIT_NOFILE to limit, after OpenPoller, and returns the
// restore.
func SetFDLimit(t *testing.T, limit int) (restore func()) {
	t.Helper()
	OpenPoller(t)
	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old))
	lim := old
	lim.Cur = uint64(limit)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
	return func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) }
}
