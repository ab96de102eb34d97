package faults

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKillBlockedInSocketRead(t *testing.T) {
	killWhileBlockedNoContext(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		return blockingOp{
			block: func(context.Context) error { _, err := a.Read(make([]byte, 16)); return err },
			check: func(t *testing.T) {
				// Data sent after the kill waits for the next reader.
				_, err := b.Write([]byte("hi"))
				require.NoError(t, err)
				buf := make([]byte, 16)
				n, err := a.Read(buf)
				require.NoError(t, err)
				assert.Equal(t, "hi", string(buf[:n]))
			},
			cleanup: func() { _ = a.Close(); _ = b.Close() },
		}
	})
}

func TestKillBlockedInSocketWrite(t *testing.T) {
	killWhileBlockedNoContext(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		written := 0
		big := make([]byte, 8<<20)
		return blockingOp{
			// The peer does not read, so a write far larger than the
			// socket buffers blocks.
			block: func(context.Context) error {
				var err error
				written, err = a.Write(big)
				return err
			},
			check: func(t *testing.T) {
				assert.Positive(t, written, "Write reports what it wrote before the kill")
				assert.Less(t, written, len(big))
				// Exactly what Write reported reaches the peer.
				require.NoError(t, a.CloseWrite())
				n, err := io.Copy(io.Discard, b)
				require.NoError(t, err)
				assert.Equal(t, int64(written), n)
			},
			cleanup: func() { _ = a.Close(); _ = b.Close() },
		}
	})
}

func TestKillBlockedInAccept(t *testing.T) {
	killWhileBlockedNoContext(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		return blockingOp{
			block: func(context.Context) error { _, err := l.Accept(); return err },
			check: func(t *testing.T) {
				// The connection that arrives after the kill is not
				// lost to the dead acceptor.
				c, err := socket.Dial("tcp", l.Addr().String())
				require.NoError(t, err)
				defer c.Close()
				s, err := l.Accept()
				require.NoError(t, err)
				defer s.Close()
				_, err = c.Write([]byte("x"))
				require.NoError(t, err)
				buf := make([]byte, 1)
				_, err = io.ReadFull(s, buf)
				require.NoError(t, err)
			},
			cleanup: func() { _ = l.Close() },
		}
	})
}

// TestSocketClosedUnderBlockedReader closes a socket while greenlets are
// blocked reading and writing it, from another greenlet and from a foreign
// goroutine: each waiter wakes with net.ErrClosed (and scheduler.ErrClosed),
// libev never sees the closed fd, and the fds and watchers are gone.
func TestSocketClosedUnderBlockedReader(t *testing.T) {
	for _, from := range []string{"greenlet", "foreign goroutine"} {
		t.Run(from, func(t *testing.T) {
			withHub(t, func(h *scheduler.Hub, r *reports) {
				by := bystander(10)
				a, b, err := socket.Socketpair()
				require.NoError(t, err)
				defer b.Close()
				var readErr, writeErr error
				big := make([]byte, 8<<20)
				reader := scheduler.Go(func() error {
					_, readErr = a.Read(make([]byte, 16))
					return nil
				})
				writer := scheduler.Go(func() error {
					_, writeErr = a.Write(big)
					return nil
				})
				require.NoError(t, scheduler.Sleep(bg, 0))
				require.False(t, reader.Ready())
				require.False(t, writer.Ready())
				if from == "greenlet" {
					require.NoError(t, a.Close())
				} else {
					// RunBlocking's function runs on a plain goroutine, and
					// the hub goes on meanwhile: a foreign Close waits for
					// the hub to tear the socket down.
					_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { return struct{}{}, a.Close() })
					require.NoError(t, err)
				}
				_, err = scheduler.Wait(testctx.Within(t, time.Second), []*scheduler.Greenlet[struct{}]{reader, writer}, 0)
				require.NoError(t, err)
				assert.ErrorIs(t, readErr, net.ErrClosed)
				assert.ErrorIs(t, writeErr, net.ErrClosed)
				assert.ErrorIs(t, readErr, scheduler.ErrClosed, "the one closed family")
				assert.ErrorIs(t, writeErr, scheduler.ErrClosed, "the one closed family")
				assert.ErrorIs(t, a.Close(), net.ErrClosed, "closing twice")
				_, err = a.Read(make([]byte, 1))
				assert.ErrorIs(t, err, net.ErrClosed)
				checkBystander(t, by, 10)
				assert.Empty(t, r.all())
			})
		})
	}
}

// TestSocketFromForeignGoroutine: every method but Close refuses a foreign
// goroutine with ErrNotGreenlet and leaves the socket usable.
func TestSocketFromForeignGoroutine(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		errs := make(chan error, 2)
		go func() {
			_, err := a.Read(make([]byte, 1))
			errs <- err
			_, err = a.Write([]byte("x"))
			errs <- err
		}()
		for range 2 {
			err := <-errs
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			assert.False(t, errors.Is(err, net.ErrClosed))
		}
		_, err = b.Write([]byte("ok"))
		require.NoError(t, err)
		buf := make([]byte, 2)
		_, err = io.ReadFull(a, buf)
		require.NoError(t, err)
		assert.Equal(t, "ok", string(buf))
	})
}

// TestIdleSocketHoldsNoActiveWatcher: once a read or write that had to wait
// is over, an idle socket must not keep an active (referenced) io watcher, as
// in gevent (hub.wait stops the watcher however the wait ends). Otherwise an
// idle connection keeps the loop alive, and a deadlock elsewhere hangs
// forever instead of ending in LoopExit.
func TestIdleSocketHoldsNoActiveWatcher(t *testing.T) {
	withHub(t, func(h *scheduler.Hub, r *reports) {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		reader := scheduler.Go(func() error {
			buf := make([]byte, 1)
			_, err := io.ReadFull(a, buf) // waits: nothing sent yet
			return err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.False(t, reader.Ready(), "the reader waits in the loop")
		_, err = b.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, reader.Join(bg))
		require.True(t, reader.Successful())
		assert.True(t, pollUntil(t, func() bool { return h.Loop().ActiveCount() == 0 }),
			"an idle socket keeps no referenced watcher active: %d active", h.Loop().ActiveCount())

		// The consequence that matters: a deadlock still ends in LoopExit.
		if h.Loop().ActiveCount() == 0 {
			stuck := scheduler.Go(func() error { _, err := scheduler.NewWaiter("").Get(bg); return err })
			err = stuck.Join(bg)
			assert.ErrorIs(t, err, scheduler.ErrLoopExit)
			require.NoError(t, stuck.Kill(bg, nil))
		}
	})
}
