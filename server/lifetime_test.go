package server_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// blockedReader is a handler that blocks reading one byte from a client that never writes.
func blockedReader(c *socket.Conn) error {
	_, err := c.Read(make([]byte, 1))
	return err
}

// A handler that panics is reported to the hub's error handler with its panic, its connection
// is closed, and the server goes on serving the next client; a datagram handler's panic the
// same way.
func TestHandlerPanic(t *testing.T) {
	var reported []error
	require.NoError(t, scheduler.Main(func() error {
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reported = append(reported, err) })
		s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			buf := make([]byte, 1)
			if _, err := c.Read(buf); err != nil {
				return err
			}
			if buf[0] == 'p' {
				panic("stream handler")
			}
			_, err := c.Write(buf)
			return err
		}, server.Options{MaxConcurrency: 1})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		panicky := dial(t, s.Addr())
		defer panicky.Close()
		_, err = panicky.Write([]byte("p"))
		require.NoError(t, err)
		assertClosedByServer(t, panicky)
		next := dial(t, s.Addr())
		defer next.Close()
		_, err = next.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, next.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err = next.Read(make([]byte, 1))
		require.NoError(t, err, "the slot of the handler that panicked is free again")

		d, err := server.ListenPacket("udp", "127.0.0.1:0", func(d *server.DatagramServer, data []byte, from net.Addr) error {
			if data[0] == 'p' {
				panic("datagram handler")
			}
			_, err := d.SendTo(data, from)
			return err
		}, server.Options{MaxConcurrency: 1})
		require.NoError(t, err)
		require.NoError(t, d.Start())
		c := dial(t, d.Addr())
		defer c.Close()
		for _, m := range []string{"p", "x"} {
			_, err = c.Write([]byte(m))
			require.NoError(t, err)
		}
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		buf := make([]byte, 1)
		_, err = c.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "x", string(buf))
		require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		return d.Shutdown(testctx.Within(t, 5*time.Second))
	}))
	require.Len(t, reported, 2)
	for i, want := range []string{"stream handler", "datagram handler"} {
		var ge *scheduler.GreenletError
		require.ErrorAs(t, reported[i], &ge)
		var pe *scheduler.PanicError
		require.ErrorAs(t, reported[i], &pe)
		assert.Equal(t, want, pe.Value)
	}
}

// Close, Shutdown and Shutdown cut short by its deadline leave no descriptor and no greenlet of
// the server behind: the listener, every accepted connection (the one waiting for a slot
// too), the loop and the handlers.
func TestStopLeavesNothing(t *testing.T) {
	stops := map[string]func(s *server.StreamServer, clients []net.Conn) error{
		"Close": func(s *server.StreamServer, _ []net.Conn) error { return s.Close() },
		"Shutdown": func(s *server.StreamServer, clients []net.Conn) error {
			for _, c := range clients[:2] { // the running handlers finish, the rest are dropped
				if _, err := c.Write([]byte("x")); err != nil {
					return err
				}
			}
			return s.Shutdown(testctx.Within(t, 5*time.Second))
		},
		"Shutdown past its deadline": func(s *server.StreamServer, _ []net.Conn) error {
			ctx, cancel := context.WithTimeout(bg, 10*ms)
			defer cancel()
			if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return nil
		},
	}
	for name, stop := range stops {
		require.NoError(t, scheduler.Main(func() error {
			h := scheduler.CurrentHub()
			fds, greenlets := openFDs(t), h.Stats().LiveGreenlets
			s, err := server.Listen("tcp", "127.0.0.1:0", blockedReader, server.Options{MaxConcurrency: 2})
			require.NoError(t, err)
			require.NoError(t, s.Start())
			var clients []net.Conn
			for range 4 {
				clients = append(clients, dial(t, s.Addr()))
			}
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool {
				return s.Len() == 2 && acceptQueue(t, s.Listener()) == 1 // one waits for a slot
			}))
			require.NoError(t, stop(s, clients), name)
			for _, c := range clients[:3] {
				assertClosedByServer(t, c)
			}
			// The fourth was never accepted: the listener's close reset it.
			require.NoError(t, clients[3].SetReadDeadline(time.Now().Add(5*time.Second)))
			_, err = clients[3].Read(make([]byte, 1))
			assert.ErrorIs(t, err, syscall.ECONNRESET, name)
			for _, c := range clients {
				require.NoError(t, c.Close())
			}
			assert.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool {
				return openFDs(t) == fds && h.Stats().LiveGreenlets == greenlets
			}), "%s: %d descriptors and %d greenlets left", name, openFDs(t)-fds, h.Stats().LiveGreenlets-greenlets)
			return nil
		}))
	}
}

// A hub destroyed under a started server (Main returning without stopping it) kills the loop
// and the handlers: every connection is closed, the listener too, and no descriptor is left.
func TestHubDestroyedUnderStartedServer(t *testing.T) {
	fds := openFDs(t)
	var clients []net.Conn
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", blockedReader, server.Options{MaxConcurrency: 2})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		for range 3 {
			// Plain net clients: the hub's own sockets would stay open after Destroy.
			c, err := net.Dial("tcp", s.Addr().String())
			require.NoError(t, err)
			clients = append(clients, c)
		}
		return eventually(testctx.Within(t, 5*time.Second), func() bool {
			return s.Len() == 2 && acceptQueue(t, s.Listener()) == 0 // the third waits for a slot
		})
	}))
	for _, c := range clients {
		assertClosedByServer(t, c)
		require.NoError(t, c.Close())
	}
	assert.Equal(t, fds, openFDs(t))
}

// The documented limit: a handler that swallows its kill (it waits again after the
// GreenletExit) keeps Serve waiting after Close until it returns; Serve then returns nil.
func TestServeWaitsForHandlerThatSwallowsTheKill(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var release event.Event
		killed := false
		s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			_, err := c.Read(make([]byte, 1))
			killed = errors.Is(err, scheduler.ErrGreenletExit)
			return release.Wait(bg) // swallows the kill
		}, server.Options{})
		require.NoError(t, err)
		serving := scheduler.Go(s.Serve)
		c := dial(t, s.Addr())
		defer c.Close()
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
		require.NoError(t, s.Close())
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return killed }))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.False(t, serving.Ready(), "Serve waits for the handler")
		assert.Equal(t, 1, s.Len())
		release.Set()
		require.NoError(t, serving.Join(testctx.Within(t, 5*time.Second)))
		assert.NoError(t, serving.Err())
		assertClosedByServer(t, c)
		return nil
	}))
}

// At the descriptor limit the accept loop backs off instead of failing, and Shutdown ends the
// back-off at once instead of waiting out its timer. Timing-sensitive: the back-off has grown
// past half a second when Shutdown is called, and Shutdown must return well within it. Runs
// in a child process with a lowered RLIMIT_NOFILE (testproc.InChild).
func TestShutdownEndsAcceptBackOffTiming(t *testing.T) {
	if !testproc.InChild(t) {
		return
	}
	require.NoError(t, scheduler.Main(func() error {
		reported := collectReports()
		s, err := server.Listen("tcp", "127.0.0.1:0", blockedReader, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		serving := scheduler.Go(s.Serve)
		require.NoError(t, scheduler.Sleep(bg, 0)) // the loop waits on the listener
		defer clientsAtFDLimit(t, s)()
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return len(*reported) > 0 }))
		assert.ErrorIs(t, (*reported)[0], syscall.EMFILE)
		// 10+20+...+320 ms: the loop now sleeps 640 ms, until at least 1270 ms.
		require.NoError(t, scheduler.Sleep(bg, 700*ms))
		assert.False(t, serving.Ready(), "the server goes on at the limit")
		start := time.Now()
		require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		took := time.Since(start)
		t.Logf("measured: Shutdown took %v during the accept back-off", took)
		assert.Less(t, took, 250*ms)
		require.NoError(t, serving.Join(testctx.Within(t, 5*time.Second)))
		assert.NoError(t, serving.Err())
		for _, err := range *reported { // one per failure of the streak
			assert.ErrorIs(t, err, syscall.EMFILE)
		}
		return nil
	}))
}

// Regression: with Options.Pool shared with other work, a handler that failed while Shutdown
// waited, and a pool member added before Shutdown saw the pool empty, made Shutdown take the
// handler's failure (already reported) for its own wait's error: it killed every member at
// once, without waiting for ctx, and returned the handler's error, where a handler that
// succeeded lets it return nil (the pool was empty at some moment, as gevent's join has it).
// A failed handler now counts as finished, as it does when no member is added, whatever it
// failed with: a failure that is itself a pool's Join error (the handler's own wait on a
// group, which timed out) was still taken for Shutdown's, told apart by pool's names for its
// operations. A failure == cannot compare (a comparable type holding one it cannot) made
// Shutdown panic; it is taken for the wait's own, as one of a type == cannot compare is: the
// handlers are killed rather than left running, and Shutdown returns it.
func TestShutdownAfterHandlerFailedInSharedPool(t *testing.T) {
	for name, failure := range map[string]error{
		"plain":               errors.New("handler failed"),
		"pool wait":           &pool.Error{Op: "Group.Join", Err: context.DeadlineExceeded},
		"uncomparable inside": wrappedErr{inner: listErr{"handler failed"}},
	} {
		_, uncomparable := failure.(wrappedErr)
		require.NoError(t, scheduler.Main(func() error {
			scheduler.CurrentHub().SetErrorHandler(func(error) {})
			p, err := pool.New(3)
			require.NoError(t, err)
			var failing, stop event.Event
			s, err := server.Listen("tcp", "127.0.0.1:0", func(*socket.Conn) error {
				if err := failing.Wait(bg); err != nil {
					return err
				}
				return failure
			}, server.Options{Pool: p})
			require.NoError(t, err)
			require.NoError(t, s.Start())
			c := dial(t, s.Addr())
			defer c.Close()
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
			// A link of the handler, behind the pool's own (which removes the handler and
			// wakes Shutdown): it adds other work to the pool before Shutdown sees the pool
			// empty.
			var other *scheduler.Greenlet[struct{}]
			var spawnErr error
			handler := p.Greenlets()[0]
			handler.Rawlink(func(scheduler.Linkable) {
				other, spawnErr = pool.TrySpawn(p, func() (struct{}, error) { return struct{}{}, stop.Wait(bg) })
			})
			stopping := scheduler.Spawn(func() (error, error) { return s.Shutdown(testctx.Within(t, 5*time.Second)), nil })
			require.NoError(t, scheduler.Sleep(bg, 0)) // Shutdown waits
			failing.Set()
			shutdownErr, err := stopping.Get(testctx.Within(t, 10*time.Second))
			require.NoError(t, err)
			require.NoError(t, spawnErr)
			if uncomparable {
				var le listErr
				assert.ErrorAs(t, shutdownErr, &le, name)
				assert.True(t, other.Ready(), "%s: the other work was killed", name)
			} else {
				assert.NoError(t, shutdownErr, name)
				assert.False(t, other.Ready(), "%s: the other work was not killed", name)
			}
			stop.Set()
			return p.Join(testctx.Within(t, 5*time.Second))
		}))
	}
}

// listErr is an error of a type == cannot compare.
type listErr []string

func (e listErr) Error() string { return strings.Join(e, "; ") }

// wrappedErr is an error of a comparable type that may hold an uncomparable one.
type wrappedErr struct{ inner error }

func (e wrappedErr) Error() string { return "wrapped: " + e.inner.Error() }

func (e wrappedErr) Unwrap() error { return e.inner }

// A listener closed behind the server's back (not by Shutdown or Close) stops the server
// quietly: the running handler finishes, Serve then returns nil, and the server is stopped.
func TestListenerClosedUnderServer(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var release event.Event
		finished := false
		s, err := server.Listen("tcp", "127.0.0.1:0", func(*socket.Conn) error {
			err := release.Wait(bg)
			finished = err == nil
			return err
		}, server.Options{})
		require.NoError(t, err)
		serving := scheduler.Go(s.Serve)
		c := dial(t, s.Addr())
		defer c.Close()
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
		require.NoError(t, s.Listener().Close())
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.False(t, serving.Ready(), "Serve waits for the running handler")
		release.Set()
		require.NoError(t, serving.Join(testctx.Within(t, 5*time.Second)))
		assert.NoError(t, serving.Err())
		assert.True(t, finished, "the handler was not killed")
		assert.ErrorIs(t, s.Start(), server.ErrStopped)
		return nil
	}))
}

// A plain goroutine (a signal handler's, an admin endpoint's) stops a server through the
// hub's Post: Close in the posted callback, or Shutdown in a greenlet the callback spawns,
// since a callback may not block.
func TestStopFromAGoroutineThroughPost(t *testing.T) {
	for _, graceful := range []bool{false, true} {
		require.NoError(t, scheduler.Main(func() error {
			h := scheduler.CurrentHub()
			s, err := server.Listen("tcp", "127.0.0.1:0", blockedReader, server.Options{})
			require.NoError(t, err)
			require.NoError(t, s.Start())
			c := dial(t, s.Addr())
			defer c.Close()
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
			posted := make(chan error, 1)
			go func() {
				posted <- h.Post(func() {
					if !graceful {
						_ = s.Close()
						return
					}
					scheduler.Go(func() error {
						ctx, cancel := context.WithTimeout(bg, 10*ms)
						defer cancel()
						if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
							return err
						}
						return nil
					})
				})
			}()
			require.NoError(t, s.Serve())
			require.NoError(t, <-posted)
			assert.Zero(t, s.Len())
			assertClosedByServer(t, c)
			return nil
		}))
	}
}

// TestStartedAndClosed: gevent's started and closed, from the server's greenlets and from a
// plain goroutine, across Start and Shutdown, for both kinds of server.
func TestStartedAndClosed(t *testing.T) {
	var zs server.StreamServer
	var zd *server.DatagramServer
	assert.False(t, zs.Started())
	assert.False(t, zs.Closed())
	assert.False(t, zd.Started())
	assert.False(t, zd.Closed())
	fromGoroutine := func(f func() bool) bool {
		got := make(chan bool, 1)
		go func() { got <- f() }()
		return <-got
	}
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		d, err := server.ListenPacket("udp", "127.0.0.1:0", func(*server.DatagramServer, []byte, net.Addr) error { return nil }, server.Options{})
		require.NoError(t, err)
		assert.False(t, s.Started(), "made, not started")
		assert.False(t, s.Closed())
		require.NoError(t, s.Start())
		require.NoError(t, d.Start())
		assert.True(t, s.Started())
		assert.True(t, d.Started())
		assert.True(t, fromGoroutine(s.Started), "from a plain goroutine")
		assert.False(t, fromGoroutine(s.Closed))
		require.NoError(t, s.Shutdown(bg))
		require.NoError(t, d.Close())
		assert.False(t, s.Started(), "stopped")
		assert.True(t, s.Closed())
		assert.True(t, d.Closed())
		assert.True(t, fromGoroutine(d.Closed))
		return nil
	}))
}

// A server started just before its hub ends (its loop never ran) has its socket closed by the
// hub's Destroy all the same: nothing accepts on it afterwards and no descriptor is left. It
// stayed open before.
func TestStartJustBeforeHubEndClosesSocket(t *testing.T) {
	fds := openFDs(t)
	var addr net.Addr
	var s *server.StreamServer
	require.NoError(t, scheduler.Main(func() error {
		var err error
		s, err = server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		addr = s.Addr()
		return s.Start() // Main returns before the loop runs
	}))
	assert.True(t, s.Closed())
	assert.Equal(t, fds, openFDs(t))
	_, err := net.Dial("tcp", addr.String())
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
}
