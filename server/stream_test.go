package server_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// acceptQueue returns how many connections wait in ln's accept queue (TCP_INFO of a listening
// socket reports it as tcpi_unacked), so a test knows when the server took a connection.
func acceptQueue(t *testing.T, ln *socket.Listener) int {
	var info syscall.TCPInfo
	size := uint32(unsafe.Sizeof(info))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(ln.Fd()), syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	require.Zero(t, e)
	return int(info.Unacked)
}

func TestStreamServerSeveralClients(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		assert.ErrorIs(t, s.Start(), server.ErrStarted)
		var clients []*scheduler.Greenlet[string]
		for i := range 5 {
			clients = append(clients, scheduler.Spawn(func() (string, error) {
				c, err := socket.Dial("tcp", s.Addr().String())
				if err != nil {
					return "", err
				}
				defer c.Close()
				msg := []byte{'a' + byte(i), '\n'}
				if _, err := c.Write(msg); err != nil {
					return "", err
				}
				return bufio.NewReader(c).ReadString('\n')
			}))
		}
		_, err = scheduler.JoinAll(testctx.Within(t, 5*time.Second), clients)
		require.NoError(t, err)
		for i, c := range clients {
			assert.Equal(t, string([]byte{'a' + byte(i), '\n'}), c.Value())
		}
		require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		assert.Equal(t, 0, s.Len())
		err = s.Start()
		assert.ErrorIs(t, err, server.ErrStopped)
		assert.ErrorIs(t, err, scheduler.ErrClosed)
		assert.EqualError(t, err, "server: StreamServer.Start: server stopped")
		assert.ErrorIs(t, s.Serve(), server.ErrStopped)
		_, err = socket.Dial("tcp", s.Addr().String())
		assert.Error(t, err, "the listener is closed")
		return nil
	}))
}

func TestStreamServerConcurrencyLimit(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		running, peak, handled := 0, 0, 0
		handler := func(c *socket.Conn) error {
			running++
			peak = max(peak, running)
			defer func() { running--; handled++ }()
			return scheduler.Sleep(bg, 5*ms)
		}
		s, err := server.Listen("tcp", "127.0.0.1:0", handler, server.Options{MaxConcurrency: 2})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		for range 6 {
			defer dial(t, s.Addr()).Close()
		}
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return handled == 6 }))
		assert.Equal(t, 2, peak)
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
}

// fullStream starts a StreamServer of one slot whose handler blocks reading from a client that
// never writes, dials a second client, and waits until the accept loop took that connection
// and waits for the slot.
func fullStream(t *testing.T, handler func(*socket.Conn) error) (*server.StreamServer, net.Conn, net.Conn) {
	s, err := server.Listen("tcp", "127.0.0.1:0", handler, server.Options{MaxConcurrency: 1})
	require.NoError(t, err)
	require.NoError(t, s.Start())
	c1 := dial(t, s.Addr())
	require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return s.Len() == 1 }))
	c2 := dial(t, s.Addr())
	require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool {
		return acceptQueue(t, s.Listener()) == 0
	}))
	return s, c1, c2
}

// Regression: with the pool full, stopping waited for the accept loop, which waited for a slot
// that closing the listener did not free: Stop never returned. Shutdown ends that wait, kills
// the blocked handler when ctx ends, and closes the connection that never got a slot.
func TestShutdownWithFullPool(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		deferred := 0
		s, c1, c2 := fullStream(t, func(c *socket.Conn) error {
			defer func() { deferred++ }()
			_, err := c.Read(make([]byte, 1))
			return err
		})
		defer c1.Close()
		defer c2.Close()
		ctx, cancel := context.WithTimeout(bg, 50*ms)
		defer cancel()
		err := s.Shutdown(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 1, deferred)
		assert.Equal(t, 0, s.Len())
		assertClosedByServer(t, c1)
		assertClosedByServer(t, c2)
		return nil
	}))
}

// Regression: the connection that waits for a slot when the server stops is closed at once,
// unserved, instead of waiting for the running handler to finish and then getting its slot.
func TestShutdownDropsConnectionWaitingForSlot(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		served := 0
		s, c1, c2 := fullStream(t, func(c *socket.Conn) error {
			served++
			_, err := c.Read(make([]byte, 1))
			return err
		})
		defer c1.Close()
		defer c2.Close()
		stopping := scheduler.Go(func() error { return s.Shutdown(testctx.Within(t, 5*time.Second)) })
		assertClosedByServer(t, c2) // while the first handler still runs
		_, err := c1.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, stopping.Join(testctx.Within(t, 5*time.Second)))
		require.NoError(t, stopping.Err())
		assert.Equal(t, 1, served)
		return nil
	}))
}

// A slot freed right after Shutdown closed the listener wakes the accept loop before the
// context's cancel, which comes through another goroutine, reaches it: the connection waiting
// for the slot is dropped all the same.
func TestShutdownThenSlotFrees(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		served := 0
		s, c1, c2 := fullStream(t, func(c *socket.Conn) error {
			served++
			_, err := c.Read(make([]byte, 1))
			return err
		})
		defer c1.Close()
		defer c2.Close()
		_, err := c1.Write([]byte("x")) // the handler wakes at the next poll, after the stop
		require.NoError(t, err)
		require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		assert.Equal(t, 1, served)
		assertClosedByServer(t, c2)
		return nil
	}))
}

// Regression: a handler killed before it started never ran its body, so a deferred Close of
// its connection never ran either and the client was left hanging. Three clients wait in the
// backlog before Start: the accept loop takes them in a row and spawns three handlers, whose
// starts are queued in order; the first closes the server, which kills the two others before
// they start.
func TestCloseBeforeHandlersStart(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var s *server.StreamServer
		ran := 0
		s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			ran++
			return s.Close()
		}, server.Options{})
		require.NoError(t, err)
		var clients []net.Conn
		for range 3 {
			c := dial(t, s.Addr())
			defer c.Close()
			clients = append(clients, c)
		}
		require.NoError(t, s.Serve())
		assert.Equal(t, 1, ran, "two handlers were killed before they started")
		for _, c := range clients {
			assertClosedByServer(t, c)
		}
		return nil
	}))
}

// A flood of clients against a server limited to a few handlers: no more handlers run at once
// than the limit, the clients beyond it wait in the listener's backlog, and every one of them
// is served, none dropped; the same with the limit given as a Pool.
func TestStreamServerFloodWithLimit(t *testing.T) {
	const clients, limit = 200, 3
	require.NoError(t, scheduler.Main(func() error {
		p, err := pool.New(limit)
		require.NoError(t, err)
		for name, opts := range map[string]server.Options{"MaxConcurrency": {MaxConcurrency: limit}, "Pool": {Pool: p}} {
			running, peak := 0, 0
			s, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
				running++
				peak = max(peak, running)
				defer func() { running-- }()
				buf := make([]byte, 1)
				if _, err := c.Read(buf); err != nil {
					return err
				}
				if err := scheduler.Sleep(bg, 0); err != nil { // let the flood pile up
					return err
				}
				_, err := c.Write(buf)
				return err
			}, opts)
			require.NoError(t, err)
			require.NoError(t, s.Start())
			var flood []*scheduler.Greenlet[byte]
			for i := range clients {
				flood = append(flood, scheduler.Spawn(func() (byte, error) { return echoByte(s.Addr(), byte(i)) }))
			}
			_, err = scheduler.JoinAll(testctx.Within(t, 20*time.Second), flood)
			require.NoError(t, err, name)
			for i, c := range flood {
				require.NoError(t, c.Err(), "%s: client %d", name, i)
				assert.Equal(t, byte(i), c.Value(), "%s: client %d", name, i)
			}
			assert.Equal(t, limit, peak, name)
			require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)), name)
			assert.Zero(t, s.Len(), name)
		}
		return nil
	}))
}

// echoByte connects to addr, sends b and returns the byte the server sends back.
func echoByte(addr net.Addr, b byte) (byte, error) {
	c, err := socket.Dial(addr.Network(), addr.String())
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return 0, err
	}
	if _, err := c.Write([]byte{b}); err != nil {
		return 0, err
	}
	buf := make([]byte, 1)
	_, err = io.ReadFull(c, buf)
	return buf[0], err
}
