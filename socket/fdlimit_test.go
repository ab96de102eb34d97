package socket_test

import (
	"context"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// lowerFDLimit lowers the process's soft RLIMIT_NOFILE so that exactly free descriptor numbers
// below it are unused: the next free+1 opens fail with EMFILE. It returns the restore.
func lowerFDLimit(t *testing.T, free int) (restore func()) {
	t.Helper()
	testproc.OpenPoller(t) // its descriptors must be among the counted ones
	limit := 0
	for unused := 0; ; limit++ {
		if !testproc.FDOpen(limit) {
			if unused == free {
				break
			}
			unused++
		}
	}
	return testproc.SetFDLimit(t, limit)
}

// dialAbove connects n blocking TCP clients to addr and moves their descriptors to from,
// from+1, ...: above the limit lowerFDLimit sets, so they take none of the numbers it leaves
// free. A connect to a loopback listener with room in its backlog completes at once.
func dialAbove(t *testing.T, addr net.Addr, n, from int) []int {
	t.Helper()
	ta := addr.(*net.TCPAddr)
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	fds := make([]int, 0, n)
	for i := range n {
		require.False(t, testproc.FDOpen(from+i), "fd %d is free", from+i)
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		require.NoError(t, syscall.Connect(fd, sa))
		require.NoError(t, syscall.Dup3(fd, from+i, syscall.O_CLOEXEC))
		require.NoError(t, syscall.Close(fd))
		fds = append(fds, from+i)
	}
	return fds
}

// TestAcceptAtFDLimit: a listener whose accept loop has waited before (so its read watcher
// stays active) and that then runs out of descriptors with connections pending backs off
// instead of spinning: the back-off used to wait on the read side, which the readable listener
// woke at once, so the hub turned ~240k times a second. Once descriptors are freed, accepting
// resumes and every pending connection is served. Runs in a child process with a lowered
// RLIMIT_NOFILE (see inChildProcess).
func TestAcceptAtFDLimit(t *testing.T) {
	if !testproc.InChild(t) {
		return
	}
	const clients, free, window = 100, 10, 200 * ms
	run(t, func() error {
		h := scheduler.CurrentHub()
		// A detector's report (the test holds the hub while it dups thousands of fds, for
		// longer than the threshold on a loaded machine) is not an accept failure's.
		h.SetBlockingThreshold(time.Millisecond)
		reported := acceptReports(h)
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		accepted, served := 0, 0
		acceptor := scheduler.Go(func() error {
			for {
				c, err := ln.AcceptConn()
				if err != nil {
					return err
				}
				accepted++
				scheduler.Go(func() error {
					defer func() { served++ }()
					defer c.Close()
					_, err := io.Copy(io.Discard, c)
					return err
				})
			}
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.False(t, acceptor.Ready(), "the acceptor waits on the listener")

		fds := dialAbove(t, ln.Addr(), clients, 1000)
		restore := lowerFDLimit(t, free)
		defer restore()
		within := testctx.Within(t, 10*time.Second)
		require.NoError(t, pollUntil(within, func() bool { return accepted == free }))

		it0 := h.Stats().Iterations
		require.NoError(t, scheduler.Sleep(bg, window))
		its := h.Stats().Iterations - it0
		t.Logf("measured: %d loop iterations in %v with %d connections pending at the fd limit",
			its, window, clients-free)
		assert.Less(t, its, uint64(50), "accept backs off instead of spinning")
		assert.Equal(t, free, accepted)
		requireEachIs(t, *reported, syscall.EMFILE)

		// Closing the clients lets the handlers close their ends: descriptors come free and
		// every pending connection is accepted and served.
		for _, fd := range fds {
			require.NoError(t, syscall.Close(fd))
		}
		require.NoError(t, pollUntil(within, func() bool { return served == clients }))
		assert.Equal(t, clients, accepted)
		return acceptor.Kill(bg, nil)
	})
}

// TestPollOnNothingAtFDLimit: a Poll with no fd to watch (no entry, only negative fds) and a
// Select of empty lists need no descriptor: at the descriptor limit they still wait for their
// ctx alone, ending in LoopExit when nothing else can wake the hub, or when ctx ends. Poll
// created its epoll instance before it looked for an fd to register, so they failed with
// EMFILE. Runs in a child process with a lowered RLIMIT_NOFILE (see testproc.InChild), so no
// other test opens descriptors meanwhile.
func TestPollOnNothingAtFDLimit(t *testing.T) {
	if !testproc.InChild(t) {
		return
	}
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Poll(nil)", func(ctx context.Context) error { _, err := socket.Poll(ctx, nil); return err }},
		{"Poll(negative fd)", func(ctx context.Context) error {
			_, err := socket.Poll(ctx, []socket.PollFD{{Fd: -1, Events: socket.PollIn}})
			return err
		}},
		{"Select(nil, nil)", func(ctx context.Context) error {
			_, _, err := socket.Select(ctx, nil, nil)
			return err
		}},
	}
	for _, c := range calls {
		err := scheduler.Main(func() error {
			// The hub's descriptors are open: from here no open can succeed.
			restore := lowerFDLimit(t, 0)
			defer restore()
			ctx, cancel := context.WithTimeout(bg, time.Millisecond)
			defer cancel()
			assert.ErrorIs(t, c.call(ctx), scheduler.ErrTimeout, "%s with a deadline", c.name)
			ctx, cancel = context.WithCancel(bg)
			defer cancel()
			scheduler.Go(func() error { cancel(); return nil })
			assert.ErrorIs(t, c.call(ctx), context.Canceled, "%s cancelled", c.name)
			return c.call(bg)
		})
		assert.ErrorIs(t, err, scheduler.ErrLoopExit, c.name)
	}
}
