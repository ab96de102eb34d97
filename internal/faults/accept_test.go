package faults

import (
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fdLimitChild names, in the environment of a child test process, the test it runs.
//
// RLIMIT_NOFILE is process-wide, so a test that lowers it runs in a child: the test re-executes
// its own binary (os.Executable) with -test.run selecting only itself and fdLimitChild set to
// its name; in the child the same function sees the variable and runs the body, which lowers
// the child's soft limit. The parent fails with the child's output if the child fails.
const fdLimitChild = "GEVENTGO_FAULTS_FDLIMIT_CHILD"

// inFDLimitChild reports whether the running test is the child. In the parent it runs the child,
// checks that it passed and logs the lines the child marked "measured:".
func inFDLimitChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv(fdLimitChild) == t.Name() {
		return true
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(testctx.Within(t, 2*time.Minute), exe,
		"-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), fdLimitChild+"="+t.Name())
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

// fdOpen reports whether fd is an open descriptor of the process.
func fdOpen(fd int) bool {
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return e == 0
}

// setFDLimit sets the process's soft RLIMIT_NOFILE to limit and returns the restore.
func setFDLimit(t *testing.T, limit int) (restore func()) {
	t.Helper()
	// The runtime's poller opens its descriptors on first use, which would then fail: open it.
	r, w, err := os.Pipe()
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, w.Close())
	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old))
	lim := old
	lim.Cur = uint64(limit)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
	return func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) }
}

// socketsAbove opens n TCP sockets and moves their descriptors to from, from+1, ...: above the
// limit the test sets, so they take none of the numbers below it, and they may connect after
// the limit is lowered (connect(2) needs no new descriptor).
func socketsAbove(t *testing.T, n, from int) []int {
	t.Helper()
	fds := make([]int, 0, n)
	for i := range n {
		require.False(t, fdOpen(from+i), "fd %d is free", from+i)
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		require.NoError(t, syscall.Dup3(fd, from+i, syscall.O_CLOEXEC))
		require.NoError(t, syscall.Close(fd))
		fds = append(fds, from+i)
	}
	return fds
}

// connectPaced connects the blocking sockets fds to s one at a time, as clients arriving over
// time do: after each it lets the server accept, until the server fails its first accept (a
// report to the hub's error handler); the rest connect at once. A connect to a loopback
// listener with room in its backlog completes at once.
func connectPaced(t *testing.T, fds []int, s *server.StreamServer, failed func() bool) {
	t.Helper()
	ta := s.Addr().(*net.TCPAddr)
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	for i, fd := range fds {
		require.NoError(t, syscall.Connect(fd, sa))
		if !failed() {
			require.True(t, pollUntil(t, func() bool { return s.Len() == i+1 || failed() }),
				"client %d accepted", i)
		}
	}
}

// TestEchoServerAtFDLimit: a server.Listen echo server under a descriptor limit of 256 with
// 1000 idle clients accepts what fits and then idles instead of spinning (its accept back-off
// was woken by the readable listener every loop turn: a core at 100 %, ~240k loop turns and
// ~9k accept4 calls a second); when the clients hang up, the handlers close their ends and the
// server accepts and serves every pending connection. Runs in a child process (fdLimitChild).
func TestEchoServerAtFDLimit(t *testing.T) {
	if !inFDLimitChild(t) {
		return
	}
	const clients, limit, window = 1000, 256, 200 * time.Millisecond
	require.NoError(t, scheduler.Main(func() error {
		h := scheduler.CurrentHub()
		var reported reports
		h.SetErrorHandler(reported.add)
		served := 0
		s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			defer func() { served++ }()
			_, err := io.Copy(c, c)
			return err
		}, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())

		fds := socketsAbove(t, clients, 4*limit)
		restore := setFDLimit(t, limit)
		defer restore()
		connectPaced(t, fds, s, func() bool { return len(reported.all()) > 0 })
		accepted := s.Len()

		it0 := h.Stats().Iterations
		require.NoError(t, scheduler.Sleep(bg, window))
		its := h.Stats().Iterations - it0
		t.Logf("measured: %d loop iterations in %v with %d handlers and %d clients pending at ulimit -n %d",
			its, window, accepted, clients-accepted, limit)
		assert.Less(t, its, uint64(50), "the server backs off instead of spinning")
		assert.Equal(t, accepted, s.Len(), "nothing accepted at the limit")
		errs := reported.all()
		require.NotEmpty(t, errs)
		assert.ErrorIs(t, errs[0], syscall.EMFILE)

		for _, fd := range fds {
			require.NoError(t, syscall.Close(fd))
		}
		assert.True(t, pollUntil(t, func() bool { return served == clients }),
			"every connection served once the clients hung up: %d of %d", served, clients)
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
}
