package server_test

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// Options.MinDelay and MaxDelay bound the accept back-off at the descriptor limit too, which
// runs inside socket.Listener.AcceptConn: with MaxDelay 5 ms, accepting resumes within a few
// milliseconds of descriptors coming free, where the listener's own bounds (10 ms doubling to
// 1 s) had it sleep 640 ms at that point. Timing-sensitive: the streak has lasted 700 ms when
// the limit is raised, and the clients must be served well within the 570 ms the default
// back-off still had to sleep. Runs in a child process with a lowered RLIMIT_NOFILE
// (testproc.InChild).
func TestAcceptBackOffTakesOptionsTiming(t *testing.T) {
	if !testproc.InChild(t) {
		return
	}
	require.NoError(t, scheduler.Main(func() error {
		reported := collectReports()
		served := 0
		s, err := server.Listen("tcp", "127.0.0.1:0", func(*socket.Conn) error {
			served++
			return nil
		}, server.Options{MinDelay: ms, MaxDelay: 5 * ms})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		serving := scheduler.Go(s.Serve)
		require.NoError(t, scheduler.Sleep(bg, 0)) // the loop waits on the listener
		restore := clientsAtFDLimit(t, s)
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return len(*reported) > 0 }))
		assert.ErrorIs(t, (*reported)[0], syscall.EMFILE)
		require.NoError(t, scheduler.Sleep(bg, 700*ms))
		assert.Zero(t, served, "nothing accepted at the limit")
		restore()
		start := time.Now()
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return served == fdLimitClients }))
		took := time.Since(start)
		t.Logf("measured: accepting resumed %v after descriptors came free", took)
		assert.Less(t, took, 250*ms)
		require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		require.NoError(t, serving.Join(testctx.Within(t, 5*time.Second)))
		for _, err := range *reported { // one per failure of the streak
			assert.ErrorIs(t, err, syscall.EMFILE)
		}
		return nil
	}))
}

// collectReports makes the calling hub's error handler keep what it is given (but the blocking
// detector's reports, which a loaded machine may add) and returns where it keeps them.
func collectReports() *[]error {
	var reported []error
	scheduler.CurrentHub().SetErrorHandler(func(err error) {
		if !errors.Is(err, scheduler.ErrBlockingHub) {
			reported = append(reported, err)
		}
	})
	return &reported
}

// fdLimitClients is how many clients clientsAtFDLimit connects.
const fdLimitClients = 3

// clientsAtFDLimit sets the process's descriptor limit to the descriptors open now and then
// connects fdLimitClients clients to s's IPv4 listener, so that not one can be accepted; it
// returns the function that lifts the limit again. The clients are closed when the test ends.
func clientsAtFDLimit(t *testing.T, s *server.StreamServer) (restore func()) {
	t.Helper()
	ta := s.Addr().(*net.TCPAddr)
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	var fds []int
	for i := range fdLimitClients { // made before the limit, numbered above it
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		require.NoError(t, syscall.Dup3(fd, 1000+i, syscall.O_CLOEXEC))
		require.NoError(t, syscall.Close(fd))
		fds = append(fds, 1000+i)
	}
	t.Cleanup(func() {
		for _, fd := range fds {
			_ = syscall.Close(fd)
		}
	})
	limit := 0
	for testproc.FDOpen(limit) {
		limit++
	}
	restore = testproc.SetFDLimit(t, limit)
	for _, fd := range fds {
		require.NoError(t, syscall.Connect(fd, sa))
	}
	return restore
}
