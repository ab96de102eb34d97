package socket_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// tcpPair returns a connected TCP pair of the calling greenlet's hub (out-of-band data needs
// TCP).
func tcpPair(t *testing.T) (*socket.Conn, *socket.Conn) {
	t.Helper()
	ln, err := socket.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := socket.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	s, err := ln.AcceptConn()
	require.NoError(t, err)
	return c.(*socket.Conn), s
}

// TestPollPriIgnoresOrdinaryData: Poll asking for PollPri only waits for urgent data, without
// spinning while ordinary data is queued (it watched for readability, which the queued data
// reported every loop turn, and looked again with ppoll forever), and returns when urgent data
// comes.
func TestPollPriIgnoresOrdinaryData(t *testing.T) {
	run(t, func() error {
		a, b := tcpPair(t)
		defer a.Close()
		defer b.Close()
		_, err := b.Write([]byte("ordinary"))
		require.NoError(t, err)
		fds := []socket.PollFD{{Fd: int32(a.Fd()), Events: socket.PollPri}}
		h := scheduler.CurrentHub()
		it0 := h.Stats().Iterations
		n, err := socket.Poll(testctx.Within(t, 50*ms), fds)
		its := h.Stats().Iterations - it0
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.Zero(t, n)
		assert.Less(t, its, uint64(20), "Poll waits instead of spinning on readable data")

		scheduler.Go(func() error { // runs once Poll waits
			return syscall.Sendto(b.Fd(), []byte("!"), syscall.MSG_OOB, nil)
		})
		n, err = socket.Poll(testctx.Within(t, 5*time.Second), fds)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.NotZero(t, fds[0].Revents&socket.PollPri)
		return nil
	})
}

// TestPollReportsHangupWithoutEvents: an entry asking for no event still reports a hang-up as
// soon as it happens (it had no watcher, so Poll saw it only when its context ended).
func TestPollReportsHangupWithoutEvents(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		fds := []socket.PollFD{{Fd: int32(a.Fd())}}
		n, err := socket.TryPoll(fds)
		require.NoError(t, err)
		require.Zero(t, n)
		scheduler.Go(func() error { return b.Close() }) // runs once Poll waits
		start := time.Now()
		n, err = socket.Poll(testctx.Within(t, 5*time.Second), fds)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.NotZero(t, fds[0].Revents&socket.PollHup)
		assert.Less(t, time.Since(start), 2*time.Second, "the hang-up ended the wait, not the context")
		return nil
	})
}

// TestPollIgnoresNegativeFd: entries with a negative fd are ignored, as poll(2) does (they
// failed the whole call once Poll had to wait with an error matching nothing).
func TestPollIgnoresNegativeFd(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		fds := []socket.PollFD{{Fd: -1, Events: socket.PollIn}, {Fd: int32(a.Fd()), Events: socket.PollIn}}
		scheduler.Go(func() error { _, err := b.Write([]byte("x")); return err }) // once Poll waits
		n, err := socket.Poll(testctx.Within(t, 5*time.Second), fds)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Zero(t, fds[0].Revents)
		assert.Equal(t, int16(socket.PollIn), fds[1].Revents)

		// Select, TrySelect, WaitRead and WaitWrite, which name fds rather than entries,
		// refuse a negative one (WaitRead returned cev's error, which matched nothing).
		_, _, err = socket.Select(testctx.Within(t, 5*time.Second), []int{-1}, nil)
		assert.ErrorIs(t, err, socket.ErrBadFD)
		_, _, err = socket.TrySelect(nil, []int{-1})
		assert.ErrorIs(t, err, socket.ErrBadFD)
		assert.ErrorIs(t, socket.WaitRead(testctx.Within(t, 5*time.Second), -1), socket.ErrBadFD)
		assert.ErrorIs(t, socket.WaitWrite(testctx.Within(t, 5*time.Second), -1), socket.ErrBadFD)
		return nil
	})
}

// TestPollSameFdTwice: two entries for one fd are both watched (the events they ask for
// together) and each gets its own Revents.
func TestPollSameFdTwice(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		fds := []socket.PollFD{{Fd: int32(a.Fd()), Events: socket.PollPri}, {Fd: int32(a.Fd()), Events: socket.PollIn}}
		scheduler.Go(func() error { _, err := b.Write([]byte("x")); return err })
		n, err := socket.Poll(testctx.Within(t, 5*time.Second), fds)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Zero(t, fds[0].Revents)
		assert.Equal(t, int16(socket.PollIn), fds[1].Revents)
		return nil
	})
}

// WaitReadWrite is gevent's wait_readwrite: it returns once the socket is readable or writable.
// Here a socket whose send buffer is full and which has nothing to read waits (a short ctx ends
// the wait), then returns once the peer writes; a negative fd is refused as WaitRead's.
func TestWaitReadWrite(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		require.NoError(t, socket.WaitReadWrite(testctx.Within(t, 5*time.Second), a.Fd()), "writable at once")
		chunk := make([]byte, 64<<10)
		for {
			if _, err := syscall.Write(a.Fd(), chunk); err != nil {
				require.ErrorIs(t, err, syscall.EAGAIN)
				break
			}
		}
		assert.ErrorIs(t, socket.WaitReadWrite(testctx.Within(t, 5*time.Millisecond), a.Fd()), scheduler.ErrTimeout,
			"neither readable nor writable")
		scheduler.Spawn(func() (int, error) { return b.Write([]byte("x")) }) // runs once the wait below parks
		require.NoError(t, socket.WaitReadWrite(testctx.Within(t, 5*time.Second), a.Fd()), "readable")
		assert.ErrorIs(t, socket.WaitReadWrite(testctx.Within(t, 5*time.Second), -1), socket.ErrBadFD)
		return nil
	})
}

// TestPollOnNothingEndsInLoopExit: a Poll with no fd to watch (no entry, only negative fds)
// and a Select of empty lists wait for their ctx alone, as gevent's poll and select wait for
// their event alone: with nothing else able to wake the hub, the wait ends in LoopExit. They
// started an io watcher on an empty epoll instance, which kept the loop alive, so the greenlet
// hung for ever.
func TestPollOnNothingEndsInLoopExit(t *testing.T) {
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"Poll(nil)", func() error { _, err := socket.Poll(bg, nil); return err }},
		{"Poll(negative fd)", func() error {
			_, err := socket.Poll(bg, []socket.PollFD{{Fd: -1, Events: socket.PollIn}})
			return err
		}},
		{"Select(nil, nil)", func() error { _, _, err := socket.Select(bg, nil, nil); return err }},
	} {
		done := make(chan error, 1)
		go func() { done <- scheduler.Main(c.call) }()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, scheduler.ErrLoopExit, c.name)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still waiting after 5 s", c.name) // the hub's goroutines leak
		}
	}
}
