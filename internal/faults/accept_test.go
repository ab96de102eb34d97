package faults

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// socketsAbove opens n TCP sockets and moves their descriptors to from, from+1, ...: above the
// limit the test sets, so they take none of the numbers below it, and they may connect after
// the limit is lowered (connect(2) needs no new descriptor).
func socketsAbove(t *testing.T, n, from int) []int {
	t.Helper()
	fds := make([]int, 0, n)
	for i := range n {
		require.False(t, testproc.FDOpen(from+i), "fd %d is free", from+i)
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
	if !testproc.InChild(t) {
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
		restore := testproc.SetFDLimit(t, limit)
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

// Regression: the error a fired Timeout throws said it was Temporary, so code that retries a
// temporary net.Error, as net/http's Server.Serve does with an Accept error, went on past the
// time limit: a Timeout fires once, and the retried Accept had nothing left to end it. Serve on
// a socket.Listener under a Timeout ends with it, as it did before *Timeout was a net.Error.
func TestTimeoutEndsNetHTTPServe(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, _ *reports) {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0)}
		g := scheduler.Spawn(func() (error, error) {
			_, err := scheduler.WithTimeout(10*time.Millisecond, func() (int, error) { return 0, srv.Serve(ln) })
			return err, nil
		})
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		if _, err := g.Get(ctx); !assert.NoError(t, err, "Serve went on past its Timeout") {
			_ = ln.Close() // Serve returns once its listener is closed
			_, _ = g.Get(testCtx(t))
			return
		}
		err = g.Value()
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.False(t, errors.Is(err, http.ErrServerClosed), "ended by its Timeout: %v", err)
	})
}
