// Command echo is the geventgo echo server: a socket.Listener and a greenlet
// per connection on one hub (gevent's StreamServer shape). With -hubs N it
// runs N hubs, each on its own goroutine with its own listener on the same
// port through SO_REUSEPORT, so the kernel spreads connections among them.
// It prints "PORT <n>" once listening and serves until killed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

func handle(c *socket.Conn) error {
	defer c.Close()
	if err := c.SetNoDelay(true); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil // the client went away
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return nil
		}
	}
}

// serve runs one hub: listen, then accept forever, a greenlet per
// connection. ready receives the bound port, or an error.
func serve(port int, reusePort bool, ready chan<- error, bound *int) error {
	return scheduler.Main(func() error {
		lc := socket.ListenConfig{Backlog: 1024, ReusePort: reusePort}
		ln, err := lc.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			ready <- err
			return err
		}
		defer ln.Close()
		*bound = ln.Addr().(*net.TCPAddr).Port
		ready <- nil
		for {
			c, err := ln.AcceptConn()
			if err != nil {
				return err
			}
			scheduler.Go(func() error { return handle(c) })
		}
	})
}

func main() {
	hubs := flag.Int("hubs", 1, "hubs, one goroutine each, sharing the port with SO_REUSEPORT")
	flag.Parse()
	if *hubs < 1 {
		benchio.Fail(errors.New("-hubs must be at least 1"))
	}
	failed := make(chan error, *hubs)
	port := 0
	for i := range *hubs {
		ready := make(chan error, 1)
		bound := 0
		go func() { failed <- serve(port, *hubs > 1, ready, &bound) }()
		if err := <-ready; err != nil {
			benchio.Fail(err)
		}
		if i == 0 {
			port = bound
		}
	}
	fmt.Printf("PORT %d\n", port)
	benchio.Fail(<-failed)
}
