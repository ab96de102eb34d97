// Command echo is the geventgo echo server: a server.StreamServer, a
// greenlet per connection on one hub, as gevent's StreamServer. With -hubs N
// it runs N hubs, each on its own goroutine with its own StreamServer on the
// same port through SO_REUSEPORT, so the kernel spreads connections among
// them. It prints "PORT <n>" once listening and serves until killed; on
// SIGTERM it first writes the CPU profile benchio.ProfileEnv asks for.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// handle echoes until the client goes away; StreamServer closes c.
func handle(c *socket.Conn) error {
	if err := c.SetNoDelay(true); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return nil
		}
	}
}

// serve runs one hub's StreamServer; ready receives the bound port or the
// error that stopped it from listening.
func serve(port int, reusePort bool, ready chan<- int) error {
	return scheduler.Main(func() error {
		opts := server.Options{ListenConfig: socket.ListenConfig{Backlog: 1024, ReusePort: reusePort}}
		s, err := server.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), handle, opts)
		if err != nil {
			return err
		}
		ready <- s.Addr().(*net.TCPAddr).Port
		return s.Serve()
	})
}

func main() {
	stopProfile := benchio.StartProfile()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	hubs := flag.Int("hubs", 1, "hubs, one goroutine each, sharing the port with SO_REUSEPORT")
	flag.Parse()
	if *hubs < 1 {
		benchio.Fail(errors.New("-hubs must be at least 1"))
	}
	stopped := make(chan error, *hubs)
	port := 0
	for range *hubs {
		ready := make(chan int, 1)
		go func() { stopped <- serve(port, *hubs > 1, ready) }()
		select {
		case port = <-ready:
		case err := <-stopped:
			benchio.Fail(err)
		}
	}
	fmt.Printf("PORT %d\n", port)
	select {
	case <-term:
		stopProfile()
	case err := <-stopped:
		benchio.Fail(fmt.Errorf("a hub stopped: %w", err))
	}
}
