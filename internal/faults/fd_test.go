package faults

import (
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runNoWait runs n non-blocking iterations of loop.
func runNoWait(t *testing.T, loop *cev.Loop, n int) {
	t.Helper()
	for range n {
		_, err := loop.Run(cev.EVRUN_NOWAIT)
		require.NoError(t, err)
	}
}

// TestFDClosedUnderIOWatcher closes an fd under active cev io watchers, which
// libev's documentation forbids ("The special problem of disappearing file
// descriptors"): the process must not abort, the closed fd must deliver
// nothing, and what libev does next must reach Go as events or errors.
func TestFDClosedUnderIOWatcher(t *testing.T) {
	t.Run("single watcher", func(t *testing.T) {
		loop, err := cev.NewLoop()
		require.NoError(t, err)
		defer loop.Destroy()
		fds := socketpair(t)
		defer syscall.Close(fds[1])
		var got []int
		io, err := loop.NewIO(fds[0], cev.EV_READ, func(_ *cev.IO, rev int) { got = append(got, rev) })
		require.NoError(t, err)
		require.NoError(t, io.Start())
		runNoWait(t, loop, 2) // registers the fd with the backend

		// Closing the last fd of the socket drops it from epoll (and
		// hangs the peer up): nothing can make it readable any more.
		require.NoError(t, syscall.Close(fds[0]))
		runNoWait(t, loop, 5)
		assert.Empty(t, got, "a closed fd delivers nothing")
		assert.True(t, io.IsActive(), "libev does not notice a close by itself")
		assert.Equal(t, 1, loop.ActiveCount())
		require.NoError(t, loop.Verify())

		// Restarting on the closed fd is refused instead of reaching
		// libev's assertions.
		require.NoError(t, io.Stop())
		err = io.Start()
		assert.ErrorIs(t, err, cev.ErrBadFD)
		assert.False(t, io.IsActive())
		require.NoError(t, io.Close())
		alive, err := loop.Run(cev.EVRUN_NOWAIT)
		require.NoError(t, err)
		assert.False(t, alive, "no watcher is left active")
		assert.Zero(t, loop.ActiveCount())
	})

	t.Run("closed before the loop registered it", func(t *testing.T) {
		// Start only queues an fd change; the epoll_ctl happens in the
		// next ev_run, on a closed fd: EBADF, which libev's fd_kill
		// turns into EV_ERROR for the watcher.
		loop, err := cev.NewLoop()
		require.NoError(t, err)
		defer loop.Destroy()
		fds := socketpair(t)
		defer syscall.Close(fds[1])
		var got []int
		io, err := loop.NewIO(fds[0], cev.EV_READ, func(_ *cev.IO, rev int) { got = append(got, rev) })
		require.NoError(t, err)
		defer io.Close()
		require.NoError(t, io.Start())
		require.NoError(t, syscall.Close(fds[0]))
		runNoWait(t, loop, 2)
		require.Len(t, got, 1)
		assert.NotZero(t, got[0]&cev.EV_ERROR, "revents carry EV_ERROR: %#x", got[0])
		assert.False(t, io.IsActive())
	})

	t.Run("backend error kills the fd's watchers", func(t *testing.T) {
		// Two watchers on one fd; after the close, stopping one makes
		// libev change the fd's epoll mask, epoll_ctl fails with EBADF
		// and libev's fd_kill stops the other and feeds it EV_ERROR.
		loop, err := cev.NewLoop()
		require.NoError(t, err)
		defer loop.Destroy()
		fds := socketpair(t)
		defer syscall.Close(fds[1])
		// Fill the peer's buffer so that EV_WRITE is not ready at once.
		fill(t, fds[0])
		var readRev []int
		r, err := loop.NewIO(fds[0], cev.EV_READ, func(_ *cev.IO, rev int) { readRev = append(readRev, rev) })
		require.NoError(t, err)
		defer r.Close()
		w, err := loop.NewIO(fds[0], cev.EV_WRITE, func(*cev.IO, int) { t.Error("write watcher fired") })
		require.NoError(t, err)
		defer w.Close()
		require.NoError(t, r.Start())
		require.NoError(t, w.Start())
		runNoWait(t, loop, 2)

		require.NoError(t, syscall.Close(fds[0]))
		require.NoError(t, w.Stop())
		runNoWait(t, loop, 2)
		require.Len(t, readRev, 1, "the read watcher hears of the dead fd once")
		assert.NotZero(t, readRev[0]&cev.EV_ERROR, "revents carry EV_ERROR: %#x", readRev[0])
		assert.False(t, r.IsActive(), "libev stopped the watcher")
		assert.Zero(t, loop.ActiveCount())
	})
}

// fill writes into fd until its send buffer is full.
func fill(t *testing.T, fd int) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for {
		_, err := syscall.Write(fd, buf)
		if err == syscall.EAGAIN {
			return
		}
		require.NoError(t, err)
	}
}

// TestFDClosedUnderHubWait closes the fd a greenlet waits on through
// Hub.Wait: nothing can wake the wait any more (libev keeps the watcher
// active, so it is not a LoopExit either), a Timeout bounds it, and Wait
// stops the watcher on the way out.
func TestFDClosedUnderHubWait(t *testing.T) {
	t.Run("after the poll", fdClosedAfterPoll)
	t.Run("before the poll", fdClosedBeforePoll)
}

func fdClosedAfterPoll(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		by := bystander(10)
		fds := socketpair(t)
		defer syscall.Close(fds[1])
		k := scheduler.NewWaker()
		io, err := h.Loop().NewIO(fds[0], cev.EV_READ, func(_ *cev.IO, rev int) { k.Fire(rev) })
		require.NoError(t, err)
		defer io.Close()
		var waitErr error
		g := scheduler.Go(func() error {
			_, waitErr = scheduler.WithTimeout(50*time.Millisecond, func() (int, error) {
				return h.Wait(bg, io, k, "read closed fd")
			})
			return nil
		})
		// A real sleep runs the loop, which registers the fd with epoll.
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
		require.True(t, io.IsActive())
		require.NoError(t, syscall.Close(fds[0]))
		require.NoError(t, g.Join(bg))
		assert.ErrorIs(t, waitErr, scheduler.ErrTimeout)
		assert.False(t, io.IsActive(), "Hub.Wait stopped the watcher")
		checkBystander(t, by, 10)
		assert.Empty(t, r.all())
	})
}

// fdClosedBeforePoll closes the fd right after a greenlet started waiting
// on it, before the loop polled: the wait must end with EV_ERROR (or an
// error), not abort the process.
func fdClosedBeforePoll(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		fds := socketpair(t)
		defer syscall.Close(fds[1])
		k := scheduler.NewWaker()
		io, err := h.Loop().NewIO(fds[0], cev.EV_READ, func(_ *cev.IO, rev int) { k.Fire(rev) })
		require.NoError(t, err)
		defer io.Close()
		var rev int
		var waitErr error
		g := scheduler.Go(func() error {
			rev, waitErr = scheduler.WithTimeout(time.Second, func() (int, error) {
				return h.Wait(bg, io, k, "read fd closed before the poll")
			})
			return nil
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, syscall.Close(fds[0]))
		require.NoError(t, g.Join(bg))
		if waitErr == nil {
			assert.NotZero(t, rev&cev.EV_ERROR, "revents carry EV_ERROR: %#x", rev)
		} else {
			assert.NotErrorIs(t, waitErr, scheduler.ErrTimeout, "the dead fd is reported, not waited on")
		}
		assert.False(t, io.IsActive())
	})
}
