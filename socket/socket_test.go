package socket_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

const ms = time.Millisecond

// run runs fn as the main greenlet of a fresh hub and destroys it.
func run(t *testing.T, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

// pollerOnce opens the runtime's network poller, which opens its descriptors (an epoll
// instance and an eventfd) on first use and keeps them for the process's life.
var pollerOnce sync.Once

// openFDs returns the process's open fds, each with what it refers to (socket:[inode], ...),
// so that a number reused for another file counts as another fd. The runtime's poller is opened
// first: otherwise a baseline taken before anything used it (a test run alone) counts the
// poller's descriptors, opened later by the test's goroutines, as leaked.
func openFDs(t *testing.T) map[string]string {
	t.Helper()
	pollerOnce.Do(func() {
		r, w, err := os.Pipe() // a pipe is registered with the poller, which opens it
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.NoError(t, w.Close())
	})
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	fds := make(map[string]string, len(ents))
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil { // the fd ReadDir itself used is gone by now
			fds[e.Name()] = target
		}
	}
	return fds
}

// assertNoNewFDs asserts that every fd opened since before is closed again, allowing the
// goroutines of the test (an http.Server's, a peer's) up to two seconds to close theirs. Fds
// of earlier tests that close meanwhile are not this test's business.
func assertNoNewFDs(t *testing.T, before map[string]string) {
	t.Helper()
	var leaked []string
	for end := time.Now().Add(2 * time.Second); ; time.Sleep(ms) {
		leaked = leaked[:0]
		for fd, target := range openFDs(t) {
			if before[fd] != target {
				leaked = append(leaked, fd+" -> "+target)
			}
		}
		if len(leaked) == 0 || time.Now().After(end) {
			break
		}
	}
	assert.Empty(t, leaked, "fds left open")
}

func TestSocketpairBetweenGreenlets(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		reader := scheduler.Spawn(func() (string, error) {
			buf := make([]byte, 5)
			_, err := io.ReadFull(b, buf)
			return string(buf), err
		})
		scheduler.Go(func() error {
			_, err := a.Write([]byte("hello"))
			return err
		})
		got, err := reader.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "hello", got)
		return nil
	})
}

func TestTCPEchoWithBufio(t *testing.T) {
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		srv := scheduler.Go(func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return nil
				}
				if _, err := c.Write([]byte(strings.ToUpper(line))); err != nil {
					return err
				}
			}
		})
		c, err := socket.DialTimeout("tcp", ln.Addr().String(), time.Second)
		require.NoError(t, err)
		r := bufio.NewReader(c)
		for _, w := range []string{"one\n", "two\n"} {
			_, err := c.Write([]byte(w))
			require.NoError(t, err)
			got, err := r.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, strings.ToUpper(w), got)
		}
		assert.Equal(t, ln.Addr().String(), c.RemoteAddr().String())
		require.NoError(t, c.(*socket.Conn).CloseWrite())
		require.NoError(t, srv.Join(bg))
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF)
		require.NoError(t, c.Close())
		assert.ErrorIs(t, c.Close(), net.ErrClosed)
		return nil
	})
}

func TestReadDeadline(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		require.NoError(t, a.SetReadDeadline(time.Now().Add(20*ms)))
		start := time.Now()
		_, err = a.Read(make([]byte, 1))
		assert.GreaterOrEqual(t, time.Since(start), 15*ms)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		assert.True(t, ne.Timeout())
		// An expired deadline fails at once even with data waiting, as package net does.
		_, err = b.Write([]byte("x"))
		require.NoError(t, err)
		_, err = a.Read(make([]byte, 1))
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.NoError(t, a.SetReadDeadline(time.Time{}))
		n, err := a.Read(make([]byte, 1))
		assert.NoError(t, err)
		assert.Equal(t, 1, n)
		return nil
	})
}

// A deadline set after the hub ran for a while without polling (its loop's
// cached clock lags) is not reached early: the read used to time out as
// long before the deadline as the hub had been busy.
func TestDeadlineNotEarlyAfterBusyHub(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond)) // the loop time is fresh here
		for busy := time.Now(); time.Since(busy) < 30*ms; {       // the hub does not poll meanwhile
		}
		deadline := time.Now().Add(20 * ms)
		require.NoError(t, a.SetReadDeadline(deadline))
		_, err = a.Read(make([]byte, 1))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.False(t, time.Now().Before(deadline), "the read gave up %v before its deadline", time.Until(deadline))
		return nil
	})
}

func TestDeadlineChangedWhileBlocked(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		g := scheduler.Go(func() error {
			_, err := a.Read(make([]byte, 1))
			return err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.False(t, g.Ready(), "the reader waits")
		require.NoError(t, a.SetReadDeadline(time.Now().Add(10*ms)))
		require.NoError(t, g.Join(testctx.Within(t, time.Second)))
		assert.ErrorIs(t, g.Err(), os.ErrDeadlineExceeded)
		return nil
	})
}

// gevent's cancel_wait, the Go way: a deadline set to now wakes the Read and the Write waiting
// on the socket (the Write on a full buffer) with os.ErrDeadlineExceeded, which matches
// scheduler.ErrTimeout, and the socket stays open: once the deadline is cleared both go on.
func TestDeadlineNowWakesWaitersSocketStaysOpen(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		fill(t, a.Fd())
		reader := scheduler.Spawn(func() (int, error) { return a.Read(make([]byte, 1)) })
		writer := scheduler.Spawn(func() (int, error) { return a.Write([]byte("x")) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.False(t, reader.Ready() || writer.Ready(), "both wait")
		require.NoError(t, a.SetDeadline(time.Now()))
		for name, g := range map[string]*scheduler.Greenlet[int]{"Read": reader, "Write": writer} {
			n, err := g.Get(testctx.Within(t, time.Second))
			assert.Zero(t, n, name)
			assert.ErrorIs(t, err, os.ErrDeadlineExceeded, name)
			assert.ErrorIs(t, err, scheduler.ErrTimeout, name)
		}
		require.NoError(t, a.SetDeadline(time.Time{}))
		_, err = b.Write([]byte("y"))
		require.NoError(t, err)
		got := make([]byte, 1)
		_, err = io.ReadFull(a, got)
		require.NoError(t, err)
		assert.Equal(t, "y", string(got), "the socket stayed open for reads")
		_, err = io.Copy(io.Discard, io.LimitReader(b, 1<<16)) // room to write again
		require.NoError(t, err)
		_, err = a.Write([]byte("z"))
		assert.NoError(t, err, "and for writes")
		return nil
	})
}

func TestScheduleTimeoutAroundRead(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		_, err = scheduler.WithTimeout(10*ms, func() (int, error) { return a.Read(make([]byte, 1)) })
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		return nil
	})
}

func TestCloseWakesBlockedReader(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer b.Close()
		g := scheduler.Go(func() error {
			_, err := a.Read(make([]byte, 1))
			return err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		// The fd is closed under the reader's active watcher: no libev abort, a clean error.
		require.NoError(t, a.Close())
		require.NoError(t, g.Join(testctx.Within(t, time.Second)))
		assert.ErrorIs(t, g.Err(), net.ErrClosed)
		// A later write from the peer wakes nobody and fails cleanly.
		_, err = b.Write([]byte("x"))
		assert.ErrorIs(t, err, syscall.EPIPE)
		return nil
	})
}

// readCounter adds what it reads from r to *n.
type readCounter struct {
	r io.Reader
	n *int
}

func (c readCounter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	*c.n += n
	return n, err
}

// rawRead reads fd with read(2) directly (the fd is non-blocking): n 0 and no error is EOF.
func rawRead(fd int) (int, error) {
	n, err := syscall.Read(fd, make([]byte, 16))
	return n, err
}

// TestCloseFromForeignGoroutine: Close from a goroutine that is not on the hub is synchronous
// (the peer sees EOF when it returns) and races with nothing on the hub (run under -race: the
// closed flag was a plain bool written by the posted close and read by the hub's calls).
func TestCloseFromForeignGoroutine(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer b.Close()
		reader := scheduler.Spawn(func() (int, error) { return a.Read(make([]byte, 1)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		out, err := scheduler.RunBlocking(bg, func() ([2]error, error) {
			_, rerr := a.Read(make([]byte, 1)) // refused: not a greenlet
			cerr := a.Close()
			n, eof := rawRead(b.Fd())
			if n != 0 || eof != nil {
				return [2]error{rerr, cerr}, fmt.Errorf("peer read %d, %v after Close returned: want EOF", n, eof)
			}
			return [2]error{rerr, cerr}, nil
		})
		require.NoError(t, err)
		assert.ErrorIs(t, out[0], scheduler.ErrNotGreenlet)
		assert.NoError(t, out[1])
		_, err = reader.Get(testctx.Within(t, time.Second))
		assert.ErrorIs(t, err, net.ErrClosed, "the greenlet blocked in Read is woken")
		_, err = a.Read(make([]byte, 1))
		assert.ErrorIs(t, err, net.ErrClosed)
		assert.ErrorIs(t, a.Close(), net.ErrClosed)
		return nil
	})
}

// TestForeignCloseRightBeforeDestroy: a Close from a goroutine whose post to the hub is dropped
// by Destroy still closes the fd (it was lost: the peer never saw EOF and the fd leaked).
func TestForeignCloseRightBeforeDestroy(t *testing.T) {
	before := openFDs(t)
	for range 5 {
		var a, b *socket.Conn
		closed := make(chan error, 1)
		run(t, func() error {
			var err error
			a, b, err = socket.Socketpair()
			require.NoError(t, err)
			go func() { closed <- a.Close() }()
			// Without giving the hub a turn, let the Close be posted (a Close that only
			// posted returns at once; one that waits for the hub does not, and the bound
			// ends the wait), then Destroy drops what was posted.
			for end := time.Now().Add(50 * ms); len(closed) == 0 && time.Now().Before(end); {
				runtime.Gosched()
			}
			return nil
		})
		require.NoError(t, <-closed)
		n, err := rawRead(b.Fd())
		assert.NoError(t, err, "the peer sees EOF")
		assert.Zero(t, n)
		require.NoError(t, b.Close())
	}
	assertNoNewFDs(t, before)
}

// TestCloseDuringDestroyClosesOnce: a greenlet's deferred Close (run by Destroy) and a Close
// from another goroutine at the same time close the fd once: exactly one of them succeeds (both
// could close it, the second time maybe someone else's fd reusing the number).
func TestCloseDuringDestroyClosesOnce(t *testing.T) {
	before := openFDs(t)
	for range 50 {
		var a *socket.Conn
		var inDefer error
		foreign := make(chan error, 1)
		run(t, func() error {
			var b *socket.Conn
			var err error
			a, b, err = socket.Socketpair()
			require.NoError(t, err)
			defer b.Close()
			scheduler.Go(func() error {
				defer func() { inDefer = a.Close() }()
				_, err := a.Read(make([]byte, 1)) // until Destroy kills it
				return err
			})
			require.NoError(t, scheduler.Sleep(bg, 0))
			go func() { foreign <- a.Close() }()
			return nil
		})
		ferr := <-foreign
		assert.True(t, (inDefer == nil) != (ferr == nil), "one Close succeeds: defer %v, foreign %v", inDefer, ferr)
	}
	assertNoNewFDs(t, before)
}

func TestKillBlockedInReadWriteAccept(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		c, d, err := socket.Socketpair()
		require.NoError(t, err)
		defer c.Close()
		defer d.Close() // never read, so writes to c block
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		big := make([]byte, 8<<20)
		gs := []*scheduler.Greenlet[struct{}]{
			scheduler.Go(func() error { _, err := a.Read(make([]byte, 1)); return err }),
			scheduler.Go(func() error { _, err := c.Write(big); return err }),
			scheduler.Go(func() error { _, err := ln.Accept(); return err }),
		}
		// One yield runs each greenlet until it blocks: the reader and the acceptor at once,
		// the writer once the socket buffers are full.
		require.NoError(t, scheduler.Sleep(bg, 0))
		for _, g := range gs {
			assert.False(t, g.Ready())
			require.NoError(t, g.Kill(testctx.Within(t, time.Second), nil))
			assert.True(t, g.Dead())
			assert.ErrorIs(t, g.ExitErr(), scheduler.ErrGreenletExit)
		}
		// The sockets still work after their waiters were killed.
		_, err = a.Write([]byte("z"))
		require.NoError(t, err)
		return nil
	})
}

func TestPeerNeverReadsWriterTimesOut(t *testing.T) {
	before := openFDs(t)
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		s, err := ln.Accept()
		require.NoError(t, err)
		defer s.Close() // never read
		// The buffer is allocated (and, under the race detector, its shadow
		// memory faulted in) before the deadline starts: on a fresh machine
		// that took longer than the deadline and no byte went out.
		big := make([]byte, 64<<20)
		for i := 0; i < len(big); i += 4096 {
			big[i] = 1
		}
		// Long enough that a descheduled test on a busy machine still
		// reaches the first write before the deadline.
		require.NoError(t, c.SetWriteDeadline(time.Now().Add(500*ms)))
		n, err := c.Write(big)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.Greater(t, n, 0, "some bytes went out before the buffers filled")
		assert.Less(t, n, 64<<20)
		return nil
	})
	assertNoNewFDs(t, before)
}

func TestClientDisconnectsMidRead(t *testing.T) {
	before := openFDs(t)
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		got := 0 // what the server read so far
		srv := scheduler.Spawn(func() (int, error) {
			c, err := ln.Accept()
			if err != nil {
				return 0, err
			}
			defer c.Close()
			return io.ReadFull(readCounter{c, &got}, make([]byte, 100))
		})
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		_, err = c.Write(make([]byte, 10))
		require.NoError(t, err)
		// The client leaves once the server has read what it sent and waits for more.
		require.NoError(t, pollUntil(testctx.Within(t, 5*time.Second), func() bool { return got == 10 }))
		require.NoError(t, c.Close())
		_, err = srv.Get(testctx.Within(t, time.Second))
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, 10, got, "a failed greenlet has no value: what the server read is counted")
		return nil
	})
	assertNoNewFDs(t, before)
}

func TestSlowClientAgainstReadTimeout(t *testing.T) {
	before := openFDs(t)
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		// A failed greenlet has no value: the server keeps what it read here.
		n := 0
		srv := scheduler.Go(func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			// A whole request must arrive within 60 ms, however it trickles in.
			if err := c.SetReadDeadline(time.Now().Add(60 * ms)); err != nil {
				return err
			}
			n, err = io.ReadFull(c, make([]byte, 64))
			return err
		})
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		client := scheduler.Go(func() error {
			for range 64 {
				if _, err := c.Write([]byte{'x'}); err != nil {
					return nil // the server hung up: expected
				}
				if err := scheduler.Sleep(bg, 10*ms); err != nil {
					return err
				}
			}
			return nil
		})
		_, err = srv.Get(testctx.Within(t, time.Second))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.Greater(t, n, 0)
		assert.Less(t, n, 64)
		require.NoError(t, client.Kill(testctx.Within(t, time.Second), nil))
		return nil
	})
	assertNoNewFDs(t, before)
}

func TestTenThousandConnectionsLeaveNothing(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	fdsBefore := openFDs(t)
	gBefore := runtime.NumGoroutine()
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		accepted := 0
		srv := scheduler.Go(func() error {
			for {
				c, err := ln.Accept()
				if err != nil {
					return err
				}
				accepted++
				scheduler.Go(func() error {
					defer c.Close()
					_, err := io.Copy(io.Discard, c)
					return err
				})
			}
		})
		for i := range n {
			c, err := socket.Dial("tcp", ln.Addr().String())
			require.NoError(t, err, "dial %d", i)
			_, err = c.Write([]byte("hi"))
			require.NoError(t, err)
			require.NoError(t, c.Close())
			if i%100 == 0 {
				require.NoError(t, scheduler.Sleep(bg, 0))
			}
		}
		for accepted < n {
			require.NoError(t, scheduler.Sleep(bg, ms))
		}
		h := scheduler.CurrentHub()
		_ = pollUntil(testctx.Within(t, 5*time.Second), func() bool { return h.Stats().LiveGreenlets == 1 })
		assert.Equal(t, 1, h.Stats().LiveGreenlets, "only the acceptor is left")
		require.NoError(t, srv.Kill(testctx.Within(t, time.Second), nil))
		return nil
	})
	assertNoNewFDs(t, fdsBefore)
	// Polled by hand: assert.Eventually runs its condition on a goroutine of its own.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > gBefore && time.Now().Before(deadline) {
		time.Sleep(5 * ms)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), gBefore)
}

func TestUDP(t *testing.T) {
	run(t, func() error {
		srv, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer srv.Close()
		echo := scheduler.Go(func() error {
			buf := make([]byte, 64)
			n, from, err := srv.ReadFrom(buf)
			if err != nil {
				return err
			}
			_, err = srv.WriteTo(buf[:n], from)
			return err
		})
		c, err := socket.Dial("udp", srv.LocalAddr().String())
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("ping"))
		require.NoError(t, err)
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "ping", string(buf[:n]))
		require.NoError(t, echo.Join(testctx.Within(t, time.Second)))
		assert.NoError(t, echo.Err())
		return nil
	})
}

func TestUnixSockets(t *testing.T) {
	path := t.TempDir() + "/s.sock"
	run(t, func() error {
		ln, err := socket.Listen("unix", path)
		require.NoError(t, err)
		defer ln.Close()
		scheduler.Go(func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = io.Copy(c, c)
			return err
		})
		c, err := socket.Dial("unix", path)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("abc"))
		require.NoError(t, err)
		buf := make([]byte, 3)
		_, err = io.ReadFull(c, buf)
		require.NoError(t, err)
		assert.Equal(t, "abc", string(buf))
		return nil
	})
}

func TestSelectAndPoll(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		r, w, err := socket.Select(testctx.Within(t, 10*ms), []int{a.Fd()}, nil)
		require.ErrorIs(t, err, scheduler.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Empty(t, r)
		assert.Empty(t, w)
		scheduler.Spawn(func() (int, error) { return b.Write([]byte("x")) }) // runs once Select waits
		r, _, err = socket.Select(testctx.Within(t, time.Second), []int{a.Fd()}, nil)
		require.NoError(t, err)
		assert.Equal(t, []int{a.Fd()}, r)
		_, w, err = socket.TrySelect(nil, []int{a.Fd()})
		require.NoError(t, err)
		assert.Equal(t, []int{a.Fd()}, w)
		fds := []socket.PollFD{{Fd: int32(a.Fd()), Events: socket.PollIn}}
		n, err := socket.TryPoll(fds)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.NotZero(t, fds[0].Revents&socket.PollIn)
		require.NoError(t, socket.WaitRead(testctx.Within(t, time.Second), a.Fd()))
		require.NoError(t, socket.WaitWrite(testctx.Within(t, time.Second), b.Fd()))
		_, _ = a.Read(make([]byte, 1))
		assert.ErrorIs(t, socket.WaitRead(testctx.Within(t, 5*ms), a.Fd()), scheduler.ErrTimeout)
		n, err = socket.Poll(testctx.Within(t, 5*ms), fds)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.Zero(t, n)
		_, _, err = socket.TrySelect([]int{99999}, nil)
		assert.ErrorIs(t, err, socket.ErrBadFD)
		_, _, err = socket.Select(bg, []int{99999}, nil)
		assert.ErrorIs(t, err, socket.ErrBadFD)
		return nil
	})
}

func TestBadInput(t *testing.T) {
	run(t, func() error {
		_, err := socket.Dial("tcpx", "127.0.0.1:1")
		var une net.UnknownNetworkError
		assert.ErrorAs(t, err, &une)
		_, err = socket.Dial("tcp", "no-port")
		var ae *net.AddrError
		assert.ErrorAs(t, err, &ae)
		_, err = socket.Listen("udp", ":0")
		assert.ErrorAs(t, err, &une)
		_, err = socket.Dial("tcp", "127.0.0.1:1")
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		var oe *net.OpError
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, "dial", oe.Op)
		_, err = socket.Dial("tcp", "127.0.0.1:99999")
		assert.ErrorAs(t, err, &ae)
		// A host name goes through the resolver's thread pool.
		ln, err := socket.Listen("tcp4", "localhost:0")
		require.NoError(t, err)
		defer ln.Close()
		c, err := socket.Dial("tcp", "localhost:"+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		require.NoError(t, err)
		require.NoError(t, c.Close())
		return nil
	})
}

func TestAcceptBacksOffOnEMFILE(t *testing.T) {
	run(t, func() error {
		h := scheduler.CurrentHub()
		// A detector's report (the test holds the hub while it dups thousands of fds, for
		// longer than the threshold on a loaded machine) is not an accept failure's.
		h.SetBlockingThreshold(time.Millisecond)
		reported := acceptReports(h)
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		var lim syscall.Rlimit
		require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		// Use up every descriptor so the pending connection cannot be accepted.
		hogs := hogAll(t)
		release := func() {
			for _, fd := range hogs {
				syscall.Close(fd)
			}
			hogs = nil
		}
		defer release()
		acc := scheduler.Spawn(func() (net.Conn, error) { return ln.Accept() })
		it0 := h.Stats().Iterations
		require.NoError(t, scheduler.Sleep(bg, 100*ms))
		its := h.Stats().Iterations - it0
		assert.Less(t, its, uint64(30), "accept must back off, not spin")
		assert.False(t, acc.Ready())
		requireEachIs(t, *reported, syscall.EMFILE)
		// Clearing the deadline during a back-off leaves the back-off's own timer running: the
		// sleeping Accept is not woken by readiness, so a stopped timer would hang it.
		require.NoError(t, ln.SetDeadline(time.Time{}))
		release()
		conn, err := acc.Get(testctx.Within(t, 2*time.Second))
		require.NoError(t, err)
		require.NoError(t, conn.Close())

		// A deadline set during a back-off ends the Accept when it passes.
		c2, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c2.Close()
		hogs = hogAll(t)
		acc = scheduler.Spawn(func() (net.Conn, error) { return ln.Accept() })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, ln.SetDeadline(time.Now().Add(30*ms)))
		_, err = acc.Get(testctx.Within(t, 2*time.Second))
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		return nil
	})
}

// acceptReports records the errors h reports but the blocking detector's, which a test that
// holds the hub on purpose can trip when the machine is loaded. Read it on the hub.
func acceptReports(h *scheduler.Hub) *[]error {
	var reported []error
	h.SetErrorHandler(func(err error) {
		if !errors.Is(err, scheduler.ErrBlockingHub) {
			reported = append(reported, err)
		}
	})
	return &reported
}

// requireEachIs checks that the errors reported are there and that each matches target: a
// streak of failures reports each one (its count depends on how long the test ran).
func requireEachIs(t *testing.T, reported []error, target error) {
	t.Helper()
	require.NotEmpty(t, reported)
	for _, err := range reported {
		require.ErrorIs(t, err, target)
	}
}

// hogAll dups fd 0 until the process runs out of descriptors and returns the dups.
func hogAll(t *testing.T) []int {
	var hogs []int
	for {
		fd, err := syscall.Dup(0)
		if err != nil {
			require.ErrorIs(t, err, syscall.EMFILE)
			return hogs
		}
		hogs = append(hogs, fd)
	}
}

func TestForeignGoroutineGetsError(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		errc := make(chan error, 1)
		go func() { _, err := a.Write([]byte("x")); errc <- err }()
		err = <-errc
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.False(t, errors.Is(err, net.ErrClosed))
		return nil
	})
}

// A deadline set while a read waits arms the side's timer; when that read ends with data and the
// deadline is then cleared, a later read must wait for data however long it takes (the timer
// was left running and timed the later read out at the old deadline).
func TestClearedDeadlineDoesNotFireLater(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		read := func() error {
			_, err := a.Read(make([]byte, 1))
			return err
		}
		g := scheduler.Go(read)
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.False(t, g.Ready(), "the reader waits")
		old := time.Now().Add(50 * ms)
		require.NoError(t, a.SetReadDeadline(old))
		_, err = b.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, g.Join(bg))
		require.NoError(t, g.Err())

		require.NoError(t, a.SetReadDeadline(time.Time{}))
		g2 := scheduler.Go(read)
		// Sleep past the old deadline: the hub's timers fire in due order, so a timer left
		// from it fires before this sleep ends.
		require.NoError(t, scheduler.Sleep(bg, time.Until(old)+50*ms))
		require.False(t, g2.Ready(), "a read with no deadline ended: %v", g2.Err())
		_, err = b.Write([]byte("y"))
		require.NoError(t, err)
		require.NoError(t, g2.Join(bg))
		return g2.Err()
	})
}

// Two hubs each close a socket of the other from a greenlet at the same moment. Close from a
// greenlet of another hub used to block its hub's thread until the socket's hub ran the
// teardown, so each hub waited for the other for good.
func TestCrossHubCloseBothWays(t *testing.T) {
	for i := range 20 {
		var made, closing sync.WaitGroup
		made.Add(2)
		closing.Add(2)
		var socks [2]*socket.Conn
		done := make(chan error, 2)
		for k := range 2 {
			go func() {
				done <- scheduler.Main(func() error {
					a, b, err := socket.Socketpair()
					if err != nil {
						made.Done()
						return err
					}
					defer b.Close()
					socks[k] = a
					made.Done()
					made.Wait() // both sockets exist
					closing.Done()
					closing.Wait()
					return socks[1-k].Close()
				})
			}()
		}
		hang := time.After(10 * time.Second) // a deadlock detector, not a synchronisation
		for range 2 {
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-hang:
				t.Fatalf("round %d: the hubs' crossed Closes deadlocked", i)
			}
		}
	}
}

// A second greenlet reading (or writing) while another waits on that direction is refused at
// once with ErrConcurrentUse, as gevent raises ConcurrentObjectUseError; the first one's read
// goes on.
func TestSecondWaiterOnOneDirectionIsRefused(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		first := scheduler.Spawn(func() (string, error) {
			p := make([]byte, 1)
			n, err := a.Read(p)
			return string(p[:n]), err
		})
		require.NoError(t, scheduler.Sleep(bg, 0)) // first waits to read
		_, err = a.Read(make([]byte, 1))
		assert.ErrorIs(t, err, scheduler.ErrConcurrentUse)
		_, err = b.Write([]byte("x"))
		require.NoError(t, err)
		got, err := first.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "x", got)
		return nil
	})
}
