package socket_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// errCloserKilled is the error the closer is killed with.
var errCloserKilled = errors.New("closer killed")

// errPeerReset is a kill's error that is itself a socket's error: the failed read of another
// connection, which a server might kill its handler with.
var errPeerReset = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}

// TestCloseFromAnotherHubEndedWhileWaiting: a greenlet of hub B closes a socket of hub A while
// A's thread is held, so the teardown Close posts cannot run; the greenlet is killed, or its
// Timeout fires, while it waits (RunBlocking). Its Close returns a *net.OpError naming "close"
// that matches the kill's (or the timeout's) error, and the close completes without the caller.
// A kill's error that was a *net.OpError of its own (another socket's failed read) used to come
// back bare, naming that read instead of the close.
func TestCloseFromAnotherHubEndedWhileWaiting(t *testing.T) {
	kill := func(err error) func(*scheduler.Greenlet[error]) error {
		return func(closer *scheduler.Greenlet[error]) error {
			return closer.Kill(testctx.Within(t, 10*time.Second), err)
		}
	}
	cases := []struct {
		name    string
		end     func(closer *scheduler.Greenlet[error]) error // ends the closer's wait
		want    error
		timeout bool // the closer waits under a Timeout of 10 ms
	}{
		{"killed", kill(errCloserKilled), errCloserKilled, false},
		{"killed with a socket's error", kill(errPeerReset), errPeerReset, false},
		{"timed out", func(closer *scheduler.Greenlet[error]) error {
			return closer.Join(testctx.Within(t, 10*time.Second))
		}, scheduler.ErrTimeout, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			closeFromAnotherHubEndedWhileWaiting(t, tc.end, tc.want, tc.timeout)
		})
	}
}

func closeFromAnotherHubEndedWhileWaiting(t *testing.T, end func(*scheduler.Greenlet[error]) error,
	want error, timeout bool) {
	release := make(chan struct{})
	a, owner := heldOwner(t, release)
	fd := strconv.Itoa(a.Fd())
	target := openFDs(t)[fd]
	require.NotEmpty(t, target)
	ended := make(chan error, 1)
	go func() {
		ended <- scheduler.Main(func() error {
			closeErr, err := closeAndEnd(a, end, timeout)
			if err != nil {
				return err
			}
			assert.ErrorIs(t, closeErr, want)
			var oe *net.OpError
			if assert.ErrorAs(t, closeErr, &oe) {
				assert.Equal(t, "close", oe.Op)
			}
			return nil
		})
	}()
	select {
	case err := <-ended:
		close(release)
		require.NoError(t, err)
	case <-time.After(10 * time.Second): // a deadlock detector, not a synchronisation
		close(release) // lets the owner run the teardown, which unblocks the closer's hub
		<-ended
		t.Fatal("Close from a greenlet of another hub blocked its hub's thread")
	}
	require.NoError(t, <-owner)
	assert.NotEqual(t, target, openFDs(t)[fd], "the close completed without the ended caller")
	assert.ErrorIs(t, a.Close(), net.ErrClosed, "a second Close finds the socket closed")
}

// heldOwner runs a hub on a goroutine of its own and returns a socket of it; the hub's thread is
// held until release is closed (the teardown a Close from elsewhere posts cannot run before),
// then the hub waits for the socket's peer to see EOF, which it sends to owner (nil) and ends.
func heldOwner(t *testing.T, release <-chan struct{}) (*socket.Conn, <-chan error) {
	bound := make(chan struct{})
	var a *socket.Conn
	owner := make(chan error, 1)
	go func() {
		owner <- scheduler.Main(func() error {
			var b *socket.Conn
			var err error
			a, b, err = socket.Socketpair() // both bound to this hub
			close(bound)
			if err != nil {
				return err
			}
			defer b.Close()
			<-release
			// The hub runs the teardown while b waits: the peer sees EOF once a is closed.
			if err := b.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
				return err
			}
			if _, err = b.Read(make([]byte, 1)); err != io.EOF {
				return fmt.Errorf("the peer's read after the close: %v", err)
			}
			return nil
		})
	}()
	<-bound
	require.NotNil(t, a, "Socketpair failed")
	return a, owner
}

// closeAndEnd, in a greenlet, spawns a closer that closes a (under a Timeout of 10 ms when
// timeout is set), lets it reach its wait, ends it with end and returns what its Close returned.
func closeAndEnd(a *socket.Conn, end func(*scheduler.Greenlet[error]) error, timeout bool) (error, error) {
	entered := false
	closer := scheduler.Spawn(func() (error, error) {
		entered = true
		if timeout {
			tm, err := scheduler.StartTimeout(10 * ms)
			if err != nil {
				return nil, err
			}
			defer tm.Cancel()
		}
		return a.Close(), nil
	})
	for !entered { // Close runs from here up to its wait without a switch
		if err := scheduler.Sleep(bg, 0); err != nil {
			return nil, err
		}
	}
	if err := end(closer); err != nil {
		return nil, err
	}
	return closer.Value(), closer.Err()
}

// TestCloseFromAnotherHubInItsDestroy: a greenlet of hub B closes a socket of hub A in a defer
// that B's Destroy runs. B may not park any more, so RunBlocking refused, and Close returned
// its error (scheduler.ErrHubDestroyed) at once, before the fd was closed, though the teardown
// it had posted went on; now such a Close blocks B's thread until A has closed the fd, as a
// plain goroutine's does, and returns nil.
func TestCloseFromAnotherHubInItsDestroy(t *testing.T) {
	bound := make(chan struct{})
	var returned atomic.Bool // B's Close returned
	var a *socket.Conn
	owner := make(chan error, 1)
	go func() {
		owner <- scheduler.Main(func() error {
			var b *socket.Conn
			var err error
			a, b, err = socket.Socketpair()
			if err != nil {
				close(bound)
				return err
			}
			defer b.Close()
			close(bound)
			// The hub runs on (the teardown B's Close posts) until that Close returned.
			return pollUntil(testctx.Within(t, 10*time.Second), returned.Load)
		})
	}()
	<-bound
	require.NotNil(t, a, "Socketpair failed")
	fd := strconv.Itoa(a.Fd())
	target := openFDs(t)[fd]
	require.NotEmpty(t, target)
	var closeErr error
	var openOnReturn bool
	err := scheduler.Main(func() error {
		scheduler.Go(func() error {
			defer func() {
				closeErr = a.Close()
				openOnReturn = openFDs(t)[fd] == target
				returned.Store(true)
			}()
			return scheduler.Sleep(bg, time.Hour) // ended by the Destroy of Main's return
		})
		return scheduler.Sleep(bg, 0) // the greenlet waits in Sleep
	})
	require.NoError(t, err)
	require.NoError(t, <-owner)
	assert.NoError(t, closeErr, "Close from a greenlet of a hub being destroyed")
	assert.False(t, openOnReturn, "Close returned before the fd was closed")
	assert.ErrorIs(t, a.Close(), net.ErrClosed, "a second Close finds the socket closed")
}
