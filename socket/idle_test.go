package socket_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// activeCount is the hub loop's liveness count (libev's activecnt).
func activeCount() int { return scheduler.CurrentHub().Loop().ActiveCount() }

// loopTurns lets the hub's loop run n more iterations (each polls the fds), polled from the
// calling greenlet.
func loopTurns(t *testing.T, n uint64) {
	t.Helper()
	h := scheduler.CurrentHub()
	end := h.Stats().Iterations + n
	require.NoError(t, pollUntil(testctx.Within(t, 5*time.Second), func() bool { return h.Stats().Iterations >= end }))
}

// readAfterWait makes one read on c that has to wait for the loop: a greenlet blocks in it,
// then peer sends one byte. The read watcher is left active on c afterwards.
func readAfterWait(t *testing.T, c, peer net.Conn) {
	t.Helper()
	reader := scheduler.Go(func() error {
		_, err := io.ReadFull(c, make([]byte, 1))
		return err
	})
	require.NoError(t, scheduler.Sleep(bg, 0))
	require.False(t, reader.Ready(), "the reader waits in the loop")
	_, err := peer.Write([]byte("x"))
	require.NoError(t, err)
	require.NoError(t, reader.Join(bg))
	require.True(t, reader.Successful())
}

// TestDeadlockWithIdleSocketsEndsInLoopExit: idle sockets whose io watchers were left active
// after waits do not keep the loop alive, so a greenlet blocked forever elsewhere gets LoopExit,
// as in gevent, instead of hanging in epoll_wait.
func TestDeadlockWithIdleSocketsEndsInLoopExit(t *testing.T) {
	var a, b net.Conn
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Main(func() error {
			var err error
			a, b, err = socket.Socketpair()
			require.NoError(t, err)
			defer a.Close()
			defer b.Close()
			// Both directions of both sockets have waited at least once.
			readAfterWait(t, a, b)
			readAfterWait(t, b, a)
			require.NoError(t, a.SetWriteDeadline(time.Now().Add(20*ms)))
			_, err = a.Write(make([]byte, 8<<20)) // fills the buffers, then times out
			require.ErrorIs(t, err, socket.ErrTimeout)
			_, err = io.CopyN(io.Discard, b, 64<<10)
			require.NoError(t, err)
			close(ready)

			stuck := scheduler.Go(func() error {
				_, err := scheduler.NewWaiter("nothing ever comes").Get(bg)
				return err
			})
			err = stuck.Join(bg)
			assert.ErrorIs(t, err, scheduler.ErrLoopExit)
			var le *scheduler.LoopExitError
			assert.True(t, errors.As(err, &le), "the error is a *LoopExitError: %v", err)
			return stuck.Kill(bg, nil)
		})
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		// Rescue the hub: closing the sockets (posted to the hub) frees their watchers, so the
		// loop dies and the test ends instead of hanging.
		<-ready
		_ = a.Close()
		_ = b.Close()
		<-done
		t.Fatal("a deadlock with idle sockets hung instead of ending in LoopExit")
	}
}

// TestIdleWatcherRefBalance ends a wait in every way a wait ends and then changes the watcher in
// every way it changes; the loop's count must read as if the idle watcher were not there
// (never below it: Ref and Unref balance), and the socket keeps working.
func TestIdleWatcherRefBalance(t *testing.T) {
	cases := []struct {
		name string
		// wait leaves a's read watcher active with nobody waiting.
		wait func(t *testing.T, a, b net.Conn)
	}{
		{"data arrived", readAfterWait},
		{"deadline passed", func(t *testing.T, a, _ net.Conn) {
			require.NoError(t, a.SetReadDeadline(time.Now().Add(5*ms)))
			_, err := a.Read(make([]byte, 1))
			require.ErrorIs(t, err, socket.ErrTimeout)
			require.NoError(t, a.SetReadDeadline(time.Time{}))
		}},
		{"scheduler.Timeout", func(t *testing.T, a, _ net.Conn) {
			_, err := scheduler.WithTimeout(5*ms, func() (int, error) { return a.Read(make([]byte, 1)) })
			require.ErrorIs(t, err, scheduler.ErrTimeout)
		}},
		{"killed", func(t *testing.T, a, _ net.Conn) {
			reader := scheduler.Go(func() error {
				_, err := a.Read(make([]byte, 1))
				return err
			})
			require.NoError(t, scheduler.Sleep(bg, 0))
			require.Equal(t, 1, activeCount(), "a waited-on watcher keeps the loop alive")
			require.NoError(t, reader.Kill(bg, nil))
		}},
	}
	// then is what happens to the idle watcher next.
	then := []struct {
		name string
		fn   func(t *testing.T, a, b net.Conn)
	}{
		{"waited on again", func(t *testing.T, a, b net.Conn) {
			readAfterWait(t, a, b)
			assert.Zero(t, activeCount())
		}},
		{"stops itself on data nobody waits for", func(t *testing.T, a, b net.Conn) {
			_, err := b.Write([]byte("y"))
			require.NoError(t, err)
			// The loop polls the readable fd: the watcher fires for nobody and stops itself.
			loopTurns(t, 2)
			assert.Zero(t, activeCount())
			buf := make([]byte, 1)
			_, err = io.ReadFull(a, buf)
			require.NoError(t, err)
			assert.Equal(t, "y", string(buf))
			readAfterWait(t, a, b)
			assert.Zero(t, activeCount())
		}},
		{"closed", func(t *testing.T, a, _ net.Conn) {
			require.NoError(t, a.Close())
			assert.Zero(t, activeCount())
		}},
		{"closed under a new waiter", func(t *testing.T, a, _ net.Conn) {
			var readErr error
			reader := scheduler.Go(func() error {
				_, readErr = a.Read(make([]byte, 1))
				return nil
			})
			require.NoError(t, scheduler.Sleep(bg, 0))
			require.Equal(t, 1, activeCount())
			require.NoError(t, a.Close())
			require.NoError(t, reader.Join(bg))
			assert.ErrorIs(t, readErr, net.ErrClosed)
			assert.Zero(t, activeCount())
		}},
	}
	for _, c := range cases {
		for _, n := range then {
			t.Run(c.name+"/"+n.name, func(t *testing.T) {
				run(t, func() error {
					a, b, err := socket.Socketpair()
					require.NoError(t, err)
					defer a.Close()
					defer b.Close()
					require.Zero(t, activeCount())
					c.wait(t, a, b)
					require.NoError(t, scheduler.Sleep(bg, 0))
					require.Zero(t, activeCount(), "an idle socket does not count for the loop")
					n.fn(t, a, b)
					return nil
				})
			})
		}
	}
}

// TestIdleWriteWatcherStopsItself: a write that waited leaves its watcher active; the writable
// fd fires with nobody waiting and the watcher stops, with the count exact. The peer's read
// watcher, left active by the copy's waits, does not count either.
func TestIdleWriteWatcherStopsItself(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		big := make([]byte, 1<<20)
		writer := scheduler.Go(func() error {
			_, err := a.Write(big)
			return err
		})
		_, err = io.CopyN(io.Discard, b, int64(len(big)))
		require.NoError(t, err)
		require.NoError(t, writer.Join(bg))
		require.True(t, writer.Successful())
		// The writable fd fires for nobody and the watcher stops itself.
		loopTurns(t, 2)
		assert.Zero(t, activeCount())
		return nil
	})
}

// TestIdleSocketOutlivesItsHub: a socket left open with an idle watcher when the hub is
// destroyed closes cleanly afterwards (the loop freed the watcher and its count).
func TestIdleSocketOutlivesItsHub(t *testing.T) {
	var a, b net.Conn
	run(t, func() error {
		var err error
		a, b, err = socket.Socketpair()
		require.NoError(t, err)
		readAfterWait(t, a, b)
		return nil
	})
	assert.NoError(t, a.Close())
	assert.NoError(t, b.Close())
	assert.ErrorIs(t, a.Close(), net.ErrClosed)
}
