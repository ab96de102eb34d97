package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

const ms = time.Millisecond

func echo(c *socket.Conn) error {
	_, err := io.Copy(c, c)
	return err
}

// eventually polls cond, sleeping a millisecond between tries, until it holds or ctx ends.
func eventually(ctx context.Context, cond func() bool) error {
	for !cond() {
		if err := scheduler.Sleep(ctx, ms); err != nil {
			return err
		}
	}
	return nil
}

// dial connects to addr; the caller closes the connection on the hub.
func dial(t *testing.T, addr net.Addr) net.Conn {
	c, err := socket.Dial(addr.Network(), addr.String())
	require.NoError(t, err)
	return c
}

// assertClosedByServer reads from c until EOF: the server closed the connection.
func assertClosedByServer(t *testing.T, c net.Conn) {
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := io.ReadAll(c)
	assert.NoError(t, err, "EOF, not the deadline")
}

func TestShutdownGracefulThenKill(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		finished, killed := 0, 0
		handler := func(c *socket.Conn) error {
			buf := make([]byte, 1)
			if _, err := c.Read(buf); err != nil {
				killed++
				return err
			}
			// A client that said something gets a graceful finish.
			if _, err := c.Write(buf); err != nil {
				return err
			}
			if err := scheduler.Sleep(bg, 5*ms); err != nil {
				return err
			}
			finished++
			return nil
		}
		s, err := server.Listen("tcp", "127.0.0.1:0", handler, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		talker, silent := dial(t, s.Addr()), dial(t, s.Addr())
		defer talker.Close()
		defer silent.Close()
		_, err = talker.Write([]byte("x"))
		require.NoError(t, err)
		_, err = talker.Read(make([]byte, 1)) // its handler is past its read
		require.NoError(t, err)
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 2 }))
		ctx, cancel := context.WithTimeout(bg, 30*ms)
		defer cancel()
		err = s.Shutdown(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.Equal(t, 1, finished)
		assert.Equal(t, 1, killed)
		assert.Equal(t, 0, s.Len())
		assertClosedByServer(t, silent)
		// Shutdown again: nothing left to wait for.
		assert.NoError(t, s.Shutdown(bg))
		return nil
	}))
}

func TestServeStoppedFromGreenlet(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		scheduler.Go(func() error { return s.Shutdown(bg) }) // runs once Serve waits
		return s.Serve()
	}))
}

// Serve after Start waits for the started server, and returns once Close killed the handlers.
func TestServeAfterStartAndClose(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		deferred := 0
		s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			defer func() { deferred++ }()
			return echo(c)
		}, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		serving := scheduler.Go(s.Serve)
		c := dial(t, s.Addr())
		defer c.Close()
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "again")
		require.NoError(t, serving.Join(testctx.Within(t, 5*time.Second)))
		assert.NoError(t, serving.Err())
		assert.Equal(t, 1, deferred)
		assert.Equal(t, 0, s.Len())
		assertClosedByServer(t, c)
		return nil
	}))
}

func TestBadInput(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		_, err := server.NewStream(nil, echo, server.Options{})
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		assert.EqualError(t, err, "server: NewStream: nil argument")
		_, err = server.Listen("tcp", "127.0.0.1:0", nil, server.Options{})
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = server.Listen("udp", ":0", echo, server.Options{})
		var une net.UnknownNetworkError
		assert.ErrorAs(t, err, &une)
		_, err = server.NewDatagram(nil, func(*server.DatagramServer, []byte, net.Addr) error { return nil }, server.Options{})
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = server.ListenPacket("udp", "127.0.0.1:0", nil, server.Options{})
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		p, err := pool.New(2)
		require.NoError(t, err)
		for _, opts := range []server.Options{{MaxConcurrency: -1}, {Pool: p, MaxConcurrency: 2}} {
			_, err = server.Listen("tcp", "127.0.0.1:0", echo, opts)
			assert.ErrorIs(t, err, server.ErrBadOptions)
		}
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		var nilCtx context.Context
		assert.ErrorIs(t, s.Shutdown(nilCtx), scheduler.ErrNilArgument)
		return s.Close()
	}))
}

// A server no constructor made returns errors, never panics.
func TestZeroServers(t *testing.T) {
	var zs server.StreamServer
	var zd server.DatagramServer
	for _, s := range []interface {
		Start() error
		Serve() error
		Shutdown(context.Context) error
		Close() error
		Len() int
		Addr() net.Addr
	}{&zs, (*server.StreamServer)(nil), &zd, (*server.DatagramServer)(nil)} {
		for name, err := range map[string]error{
			"Start": s.Start(), "Serve": s.Serve(), "Shutdown": s.Shutdown(bg), "Close": s.Close(),
		} {
			assert.ErrorIs(t, err, scheduler.ErrNilArgument, name)
			assert.ErrorContains(t, err, "Server."+name+": server has no socket", name)
		}
		assert.Zero(t, s.Len())
		assert.Nil(t, s.Addr())
	}
	assert.Nil(t, zs.Listener())
	_, err := zd.SendTo([]byte("x"), &net.UDPAddr{})
	assert.ErrorIs(t, err, scheduler.ErrNilArgument)
}

// From a goroutine that is not a greenlet of the server's hub every call is refused and changes
// nothing; from the hub greenlet itself the blocking ones are.
func TestNotGreenlet(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start()) // binds the server to this hub
		foreign := make(chan map[string]error)
		go func() {
			foreign <- map[string]error{
				"Start": s.Start(), "Serve": s.Serve(), "Shutdown": s.Shutdown(bg), "Close": s.Close(),
			}
		}()
		for name, err := range <-foreign {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		}
		other := make(chan map[string]error)
		go func() {
			_ = scheduler.Main(func() error {
				other <- map[string]error{
					"Start": s.Start(), "Serve": s.Serve(), "Shutdown": s.Shutdown(bg), "Close": s.Close(),
				}
				return nil
			})
		}()
		for name, err := range <-other {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, "%s from a greenlet of another hub", name)
		}
		var inHub map[string]error
		scheduler.CurrentHub().RunCallback(func() {
			inHub = map[string]error{"Serve": s.Serve(), "Shutdown": s.Shutdown(bg)}
		})
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return inHub != nil }))
		for name, err := range inHub {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		}
		// Still serving.
		c := dial(t, s.Addr())
		defer c.Close()
		_, err = c.Write([]byte("x\n"))
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "x\n", line)
		require.NoError(t, c.Close())
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
}

// Regression: under gsignal.Main the first signal kills the serving greenlet, whose Serve then
// stopped the server and, with the pool full, waited for ever; now it shuts down (the handler
// gets DefaultStopTimeout, then is killed) and Main returns.
func TestServeUnderGsignalMainFullPool(t *testing.T) {
	served := 0
	err := gsignal.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			served++
			_, err := c.Read(make([]byte, 1))
			return err
		}, server.Options{MaxConcurrency: 1})
		if err != nil {
			return err
		}
		scheduler.Go(func() error {
			// Destroy kills this greenlet at the end of Main: its defers close the clients.
			defer dial(t, s.Addr()).Close()
			if err := eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }); err != nil {
				return err
			}
			defer dial(t, s.Addr()).Close()
			if err := eventually(testctx.Within(t, 5*time.Second), func() bool {
				return acceptQueue(t, s.Listener()) == 0
			}); err != nil {
				return err
			}
			if err := gsignal.Self(syscall.SIGUSR1); err != nil {
				return err
			}
			return scheduler.Sleep(bg, time.Hour)
		})
		return s.Serve()
	}, syscall.SIGUSR1)
	require.ErrorIs(t, err, gsignal.ErrInterrupted)
	assert.Equal(t, 1, served)
}

// A second kill of the serving greenlet cuts its graceful shutdown short. Timing-sensitive:
// without the cut the shutdown lasts DefaultStopTimeout, and the second Kill must see the
// serving greenlet dead well within half of that.
func TestServeKilledTwiceTiming(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		deferred := 0
		s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			defer func() { deferred++ }()
			_, err := c.Read(make([]byte, 1))
			return err
		}, server.Options{})
		require.NoError(t, err)
		serving := scheduler.Go(s.Serve)
		c := dial(t, s.Addr())
		defer c.Close()
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
		require.NoError(t, serving.KillAsync(nil))
		require.NoError(t, scheduler.Sleep(bg, 0)) // Serve is shutting down, waiting for the handler
		assert.Equal(t, 0, deferred)
		require.NoError(t, serving.Kill(testctx.Within(t, server.DefaultStopTimeout/2), errors.New("again")))
		assert.ErrorIs(t, serving.ExitErr(), scheduler.ErrGreenletExit, "Serve returns the first kill")
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 0 }))
		assert.Equal(t, 1, deferred)
		assertClosedByServer(t, c)
		return nil
	}))
}

// Regression: Shutdown with a context that had already ended (cancelled, or its deadline
// passed: "close now, kill what runs") returned the context's error though no handler ran,
// because the loop had not yet seen its socket close; with nothing to wait for it returns nil,
// as net/http's Server.Shutdown does, and the socket is closed.
func TestShutdownIdleWithEndedContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	expired, cancel2 := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel2()
	require.NoError(t, scheduler.Main(func() error {
		for name, ctx := range map[string]context.Context{"cancelled": cancelled, "expired": expired} {
			s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
			require.NoError(t, err)
			require.NoError(t, s.Start())
			d, err := server.ListenPacket("udp", "127.0.0.1:0", func(*server.DatagramServer, []byte, net.Addr) error {
				return nil
			}, server.Options{})
			require.NoError(t, err)
			require.NoError(t, d.Start())
			require.NoError(t, scheduler.Sleep(bg, 0)) // both loops wait on their sockets
			assert.NoError(t, s.Shutdown(ctx), name)
			assert.NoError(t, d.Shutdown(ctx), name)
			_, err = socket.Dial("tcp", s.Addr().String())
			assert.Error(t, err, "the listener is closed")
			assert.ErrorIs(t, d.Start(), server.ErrStopped)
		}
		return nil
	}))
}

// Regression: Serve on a stopped server returned ErrStopped named after Start ("server:
// StreamServer.Start: server stopped"), the call Serve makes inside, not after Serve.
func TestServeStoppedNamesServe(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		d, err := server.ListenPacket("udp", "127.0.0.1:0", func(*server.DatagramServer, []byte, net.Addr) error {
			return nil
		}, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.NoError(t, d.Shutdown(bg))
		for name, err := range map[string]error{"StreamServer": s.Serve(), "DatagramServer": d.Serve()} {
			assert.ErrorIs(t, err, server.ErrStopped, name)
			assert.EqualError(t, err, "server: "+name+".Serve: server stopped", name)
		}
		return nil
	}))
}

// Full is gevent's full: true while the handlers fill a MaxConcurrency or an Options.Pool,
// false once one returned, and always false without a limit (and for a zero server).
func TestFull(t *testing.T) {
	var zero server.StreamServer
	assert.False(t, zero.Full())
	var zeroD server.DatagramServer
	assert.False(t, zeroD.Full())
	require.NoError(t, scheduler.Main(func() error {
		readOne := func(c *socket.Conn) error {
			if _, err := c.Read(make([]byte, 1)); err != io.EOF {
				return err
			}
			return nil
		}
		p, err := pool.New(1)
		require.NoError(t, err)
		for name, opts := range map[string]server.Options{
			"MaxConcurrency": {MaxConcurrency: 1},
			"Pool":           {Pool: p},
		} {
			s, err := server.Listen("tcp", "127.0.0.1:0", readOne, opts)
			require.NoError(t, err)
			require.NoError(t, s.Start())
			assert.False(t, s.Full(), name)
			c := dial(t, s.Addr())
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), s.Full), name)
			_, err = c.Write([]byte("x"))
			require.NoError(t, err)
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return !s.Full() }), name)
			require.NoError(t, c.Close())
			require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		}

		s, err := server.Listen("tcp", "127.0.0.1:0", readOne, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		c := dial(t, s.Addr())
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
		assert.False(t, s.Full(), "no limit")
		require.NoError(t, c.Close())

		var ev event.Event
		d, err := server.ListenPacket("udp", "127.0.0.1:0", func(*server.DatagramServer, []byte, net.Addr) error {
			return ev.Wait(testctx.Within(t, 5*time.Second))
		}, server.Options{MaxConcurrency: 1})
		require.NoError(t, err)
		require.NoError(t, d.Start())
		u := dial(t, d.Addr())
		defer u.Close()
		_, err = u.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), d.Full))
		ev.Set()
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return !d.Full() }))
		require.NoError(t, d.Shutdown(testctx.Within(t, 5*time.Second)))
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
}

// Options.StopTimeout is the grace a killed Serve gives the handlers: a short one kills a
// handler that waits on its client at once, a long one lets it finish well past
// DefaultStopTimeout. Timing-sensitive: the short grace must end within half of
// DefaultStopTimeout, and the long one is watched for DefaultStopTimeout plus a quarter.
func TestServeStopTimeoutTiming(t *testing.T) {
	run := func(t *testing.T, grace time.Duration, check func(serving *scheduler.Greenlet[struct{}], c net.Conn, deferred *int)) {
		require.NoError(t, scheduler.Main(func() error {
			deferred := 0
			s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
				defer func() { deferred++ }()
				_, err := c.Read(make([]byte, 1))
				return err
			}, server.Options{StopTimeout: grace})
			require.NoError(t, err)
			serving := scheduler.Go(func() error { return s.Serve() })
			c := dial(t, s.Addr())
			defer c.Close()
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
			require.NoError(t, serving.KillAsync(nil))
			check(serving, c, &deferred)
			return nil
		}))
	}
	t.Run("short", func(t *testing.T) {
		run(t, time.Nanosecond, func(serving *scheduler.Greenlet[struct{}], c net.Conn, deferred *int) {
			require.NoError(t, serving.Join(testctx.Within(t, server.DefaultStopTimeout/2)))
			assert.Equal(t, 1, *deferred, "the handler was killed")
			assertClosedByServer(t, c)
		})
	})
	t.Run("long", func(t *testing.T) {
		run(t, time.Hour, func(serving *scheduler.Greenlet[struct{}], c net.Conn, deferred *int) {
			past := time.Now().Add(server.DefaultStopTimeout * 5 / 4)
			require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return time.Now().After(past) }))
			assert.Equal(t, 0, *deferred, "the handler still runs")
			require.NoError(t, c.Close())
			require.NoError(t, serving.Join(testctx.Within(t, 5*time.Second)))
			assert.Equal(t, 1, *deferred)
		})
	})
}
