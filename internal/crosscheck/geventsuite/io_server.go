package geventsuite

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strings"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

func init() {
	register("io_stream_server", ioStreamServer)
	register("io_datagram_server", ioDatagramServer)
}

func ioStreamServer(t *crosscheck.T) {
	var handled []string
	srv, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		handled = append(handled, strings.TrimSpace(line))
		_, err = c.Write([]byte("echo " + line))
		return err
	}, server.Options{})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	unexpected(t, "start", srv.Start())
	addr := srv.Addr().String()
	client := func(name string) func() (string, error) {
		return func() (string, error) {
			c, err := socket.Dial("tcp", addr)
			if err != nil {
				return "", err
			}
			defer c.Close()
			if _, err := c.Write([]byte(name + "\n")); err != nil {
				return "", err
			}
			reply, err := bufio.NewReader(c).ReadString('\n')
			return strings.TrimSpace(reply), err
		}
	}
	var gs []*scheduler.Greenlet[string]
	for _, n := range []string{"c1", "c2", "c3"} {
		gs = append(gs, scheduler.Spawn(client(n)))
	}
	_, err = scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	var replies []string
	for _, g := range gs {
		unexpected(t, "client", g.Err())
		replies = append(replies, g.Value())
	}
	t.Println("replies", sortedStrs(replies))
	t.Println("handled", sortedStrs(handled))
	unexpected(t, "stop", srv.Shutdown(bg))
	// gevent's server.closed: the listening socket is closed.
	_, err = srv.Listener().Accept()
	t.Println("stopped", py(errors.Is(err, net.ErrClosed)))
}

func ioDatagramServer(t *crosscheck.T) {
	srv, err := server.ListenPacket("udp", "127.0.0.1:0", func(s *server.DatagramServer, data []byte, from net.Addr) error {
		_, err := s.SendTo(bytes.ToUpper(data), from)
		return err
	}, server.Options{})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	unexpected(t, "start", srv.Start())
	addr := srv.Addr().String()
	g := scheduler.Spawn(func() ([]string, error) {
		c, err := socket.Dial("udp", addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		var out []string
		buf := make([]byte, 100)
		for _, msg := range []string{"hello", "world"} {
			if _, err := c.Write([]byte(msg)); err != nil {
				return out, err
			}
			n, err := c.Read(buf)
			if err != nil {
				return out, err
			}
			out = append(out, string(buf[:n]))
		}
		return out, nil
	})
	replies, err := g.Get(bg)
	unexpected(t, "client", err)
	t.Println("replies", pyStrs(replies))
	unexpected(t, "stop", srv.Shutdown(bg))
	// gevent's server.closed: the server's socket is closed.
	_, err = srv.SendTo([]byte("x"), srv.Addr())
	t.Println("stopped", py(errors.Is(err, net.ErrClosed)))
}
