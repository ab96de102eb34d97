package server_test

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const ms = time.Millisecond

func echo(c *socket.Conn) error {
	_, err := io.Copy(c, c)
	return err
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
		_, err = scheduler.JoinAll(clients, time.Second, true)
		require.NoError(t, err)
		for i, c := range clients {
			assert.Equal(t, string([]byte{'a' + byte(i), '\n'}), c.Value())
		}
		require.NoError(t, s.Stop(time.Second))
		assert.Equal(t, 0, s.Len())
		assert.ErrorIs(t, s.Start(), server.ErrStopped)
		_, err = socket.Dial("tcp", s.Addr().String())
		assert.Error(t, err, "the listener is closed")
		return nil
	}))
}

func TestStreamServerConcurrencyLimit(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		running, peak := 0, 0
		handler := func(c *socket.Conn) error {
			running++
			peak = max(peak, running)
			defer func() { running-- }()
			return scheduler.Sleep(10 * ms)
		}
		s, err := server.Listen("tcp", "127.0.0.1:0", handler, server.Options{MaxConcurrency: 2})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		var conns []net.Conn
		for range 6 {
			c, err := socket.Dial("tcp", s.Addr().String())
			require.NoError(t, err)
			conns = append(conns, c)
		}
		require.NoError(t, scheduler.Sleep(50*ms))
		assert.Equal(t, 2, peak)
		for _, c := range conns {
			c.Close()
		}
		return s.Stop(time.Second)
	}))
}

func TestStopGracefulThenKill(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		finished, killed := 0, 0
		handler := func(c *socket.Conn) error {
			buf := make([]byte, 1)
			_, err := c.Read(buf)
			if err != nil {
				killed++
				return err
			}
			// A client that said something gets a graceful finish.
			if err := scheduler.Sleep(5 * ms); err != nil {
				return err
			}
			finished++
			return nil
		}
		scheduler.GetHub().SetErrorHandler(func(error) {})
		s, err := server.Listen("tcp", "127.0.0.1:0", handler, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		talker, err := socket.Dial("tcp", s.Addr().String())
		require.NoError(t, err)
		defer talker.Close()
		silent, err := socket.Dial("tcp", s.Addr().String())
		require.NoError(t, err)
		defer silent.Close()
		_, err = talker.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(2*ms))
		start := time.Now()
		require.NoError(t, s.Stop(30*ms))
		assert.GreaterOrEqual(t, time.Since(start), 25*ms, "waited for the silent handler")
		assert.Equal(t, 1, finished)
		assert.Equal(t, 1, killed)
		assert.Equal(t, 0, s.Len())
		// The server closed the silent client's connection.
		_, err = silent.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF)
		return nil
	}))
}

func TestServeForeverStoppedFromGreenlet(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		scheduler.SpawnLater(10*ms, func() (struct{}, error) { return struct{}{}, s.Stop(-1) })
		return s.ServeForever()
	}))
}

func TestDatagramServer(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		s, err := server.ListenPacket("udp", "127.0.0.1:0", func(s *server.DatagramServer, data []byte, from net.Addr) error {
			_, err := s.SendTo(append([]byte("re:"), data...), from)
			return err
		}, server.Options{MaxConcurrency: 4})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		c, err := socket.Dial("udp", s.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Second)))
		for _, m := range []string{"a", "bc"} {
			_, err = c.Write([]byte(m))
			require.NoError(t, err)
			buf := make([]byte, 16)
			n, err := c.Read(buf)
			require.NoError(t, err)
			assert.Equal(t, "re:"+m, string(buf[:n]))
		}
		return s.Stop(time.Second)
	}))
}

func TestBadInput(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		_, err := server.NewStreamServer(nil, echo, server.Options{})
		assert.Error(t, err)
		_, err = server.Listen("udp", ":0", echo, server.Options{})
		var une net.UnknownNetworkError
		assert.ErrorAs(t, err, &une)
		return nil
	}))
}
