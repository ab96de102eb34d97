package cev

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPair returns a non-blocking socketpair the test closes itself (no
// t.Cleanup close: a second close could hit a reused fd number).
func rawPair(t *testing.T) [2]int {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	return fds
}

// fillSend writes into fd until its send buffer is full, so EV_WRITE is
// not ready.
func fillSend(t *testing.T, fd int) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for {
		if _, err := syscall.Write(fd, buf); err == syscall.EAGAIN {
			return
		} else {
			require.NoError(t, err)
		}
	}
}

func runNoWait(t *testing.T, l *Loop, n int) {
	t.Helper()
	for range n {
		_, err := l.Run(EVRUN_NOWAIT)
		require.NoError(t, err)
	}
}

const killed = EV_ERROR | EV_READ | EV_WRITE

// forEachBackend runs f on every backend this libev supports (the dead-fd
// handling must not depend on which one libev picked).
func forEachBackend(t *testing.T, f func(t *testing.T, l *Loop)) {
	for _, b := range []uint{EVBACKEND_EPOLL, EVBACKEND_POLL, EVBACKEND_SELECT} {
		if SupportedBackends()&b == 0 {
			continue
		}
		t.Run(fmt.Sprintf("backend=%#x", b), func(t *testing.T) {
			f(t, newLoop(t, WithBackend(b)))
		})
	}
}

// TestIOFDClosedBeforeRegistration: Start only queues the fd change; the fd
// is closed before the next Run. libev would assert in epoll_ctl; cev kills
// the fd's watchers as libev's fd_kill does.
func TestIOFDClosedBeforeRegistration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, l *Loop) {
		fds := rawPair(t)
		defer syscall.Close(fds[1])
		var got []int
		io, err := l.NewIO(fds[0], EV_READ, func(w *IO, revents int) {
			got = append(got, revents)
			assert.False(t, w.IsActive(), "stopped before its callback")
		})
		require.NoError(t, err)
		require.NoError(t, io.Start())
		require.NoError(t, syscall.Close(fds[0]))
		assert.Equal(t, 1, l.ActiveCount())
		runNoWait(t, l, 3)
		assert.Equal(t, []int{killed}, got, "EV_ERROR|EV_READ|EV_WRITE exactly once")
		assert.False(t, io.IsActive())
		assert.Equal(t, 0, l.ActiveCount())
		require.NoError(t, l.Verify())
		require.ErrorIs(t, io.Start(), ErrBadFD, "the fd is still closed")
		require.NoError(t, io.Close())
	})
}

// TestIOFDClosedUnderSurvivingWatcher: two watchers on one fd, the fd is
// closed and one watcher stopped, which changes the fd's mask (libev:
// epoll_ctl MOD on a closed fd, assertion). The survivor hears of it once.
func TestIOFDClosedUnderSurvivingWatcher(t *testing.T) {
	forEachBackend(t, func(t *testing.T, l *Loop) {
		fds := rawPair(t)
		defer syscall.Close(fds[1])
		fillSend(t, fds[0])
		var got []int
		r, err := l.NewIO(fds[0], EV_READ, func(_ *IO, revents int) { got = append(got, revents) })
		require.NoError(t, err)
		w, err := l.NewIO(fds[0], EV_WRITE, func(*IO, int) { t.Error("the stopped writer fired") })
		require.NoError(t, err)
		other := rawPair(t)
		var otherGot int
		o, err := l.NewIO(other[0], EV_READ, func(*IO, int) {
			otherGot++
			var b [8]byte
			_, _ = syscall.Read(other[0], b[:])
		})
		require.NoError(t, err)
		require.NoError(t, r.Start())
		require.NoError(t, w.Start())
		require.NoError(t, o.Start())
		runNoWait(t, l, 2)
		require.Empty(t, got)

		require.NoError(t, syscall.Close(fds[0]))
		require.NoError(t, w.Stop())
		runNoWait(t, l, 3)
		assert.Equal(t, []int{killed}, got)
		assert.False(t, r.IsActive())
		assert.True(t, o.IsActive(), "watchers of other fds are untouched")
		assert.Equal(t, 1, l.ActiveCount())

		// The other fd still works.
		_, err = syscall.Write(other[1], []byte{1})
		require.NoError(t, err)
		runNoWait(t, l, 2)
		assert.Equal(t, 1, otherGot)
		require.NoError(t, o.Stop())
		require.NoError(t, l.Verify())
		syscall.Close(other[0])
		syscall.Close(other[1])
	})
}

// TestIOFDClosedAndReused: the fd number is closed and reused before the
// loop looks: cev (like libev) cannot tell, the watcher watches the new
// file, and nothing aborts.
func TestIOFDClosedAndReused(t *testing.T) {
	l := newLoop(t)
	fds := rawPair(t)
	var got []int
	io, err := l.NewIO(fds[0], EV_READ, func(w *IO, revents int) {
		got = append(got, revents)
		require.NoError(t, w.Stop())
	})
	require.NoError(t, err)
	require.NoError(t, io.Start())
	runNoWait(t, l, 1)
	require.NoError(t, syscall.Close(fds[0]))
	require.NoError(t, syscall.Close(fds[1]))
	require.NoError(t, io.Stop())
	again := rawPair(t)
	defer syscall.Close(again[0])
	defer syscall.Close(again[1])
	require.NoError(t, io.Set(fds[0], EV_READ)) // fds[0]'s number, maybe reused
	if again[0] != fds[0] && again[1] != fds[0] {
		t.Skipf("fd %d not reused (got %v)", fds[0], again)
	}
	peer := again[1]
	if again[1] == fds[0] {
		peer = again[0]
	}
	require.NoError(t, io.Start())
	_, err = syscall.Write(peer, []byte{1})
	require.NoError(t, err)
	runNoWait(t, l, 2)
	assert.Equal(t, []int{EV_READ}, got)
}

// TestIOFDClosedInCallback: a callback starts a watcher and closes its fd
// in the same dispatch; the next iteration kills it.
func TestIOFDClosedInCallback(t *testing.T) {
	l := newLoop(t)
	fds := rawPair(t)
	defer syscall.Close(fds[1])
	var got []int
	io, err := l.NewIO(fds[0], EV_READ|EV_WRITE, func(_ *IO, revents int) { got = append(got, revents) })
	require.NoError(t, err)
	tm, err := l.NewTimer(0, 0, func(*Timer, int) {
		require.NoError(t, io.Start())
		require.NoError(t, syscall.Close(fds[0]))
	})
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	runNoWait(t, l, 3)
	assert.Equal(t, []int{killed}, got)
	assert.Equal(t, 0, l.ActiveCount())
}

// TestIOFDClosedUnchanged: an fd closed under a watcher nobody touches.
// epoll forgets a closed fd by itself, so nothing happens until libev
// registers the fd again (after ev_loop_fork, checked by cev); poll and
// select report it at the next poll (libev's fd_kill, and for poll, whose
// libev asserts on POLLNVAL, cev's own check first).
func TestIOFDClosedUnchanged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, l *Loop) {
		fds := rawPair(t)
		defer syscall.Close(fds[1])
		var got []int
		io, err := l.NewIO(fds[0], EV_READ, func(_ *IO, revents int) { got = append(got, revents) })
		require.NoError(t, err)
		require.NoError(t, io.Start())
		runNoWait(t, l, 2)
		require.NoError(t, syscall.Close(fds[0]))
		runNoWait(t, l, 2)
		if l.Backend() == EVBACKEND_EPOLL {
			assert.Empty(t, got, "epoll: without a change nobody looks at the fd")
			assert.True(t, io.IsActive())
			require.NoError(t, l.Fork())
			runNoWait(t, l, 3)
		}
		assert.Equal(t, []int{killed}, got)
		assert.False(t, io.IsActive())
		assert.Equal(t, 0, l.ActiveCount())
		// Stopping the killed watcher and reusing it elsewhere works.
		require.NoError(t, io.Stop())
		p := rawPair(t)
		defer syscall.Close(p[0])
		defer syscall.Close(p[1])
		require.NoError(t, io.Set(p[0], EV_READ))
		require.NoError(t, io.Start())
		_, err = syscall.Write(p[1], []byte{1})
		require.NoError(t, err)
		runNoWait(t, l, 1)
		assert.Equal(t, []int{killed, EV_READ}, got)
		require.NoError(t, io.Stop())
		require.NoError(t, l.Verify())
	})
}
