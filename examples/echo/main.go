// Command echo is an echo server on geventgo: a StreamServer runs each connection in a greenlet
// that copies what it reads back to the client. With -hubs N it runs N hubs, one goroutine each,
// listening on the same port with SO_REUSEPORT so the kernel spreads connections among them.
// SIGINT or SIGTERM stops it cleanly.
//
//	go run ./examples/echo -addr 127.0.0.1:8000 [-hubs 2]
//	printf 'hello\n' | nc -q1 127.0.0.1 8000
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	hubs := flag.Int("hubs", 1, "hubs (goroutines) serving the port with SO_REUSEPORT")
	flag.Parse()
	if err := serve(*addr, *hubs, func(a string) { fmt.Println("echo: listening on", a) }); err != nil &&
		!errors.Is(err, gsignal.ErrInterrupted) {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// handle echoes one connection until the client closes it.
func handle(c *socket.Conn) error {
	_, err := io.Copy(c, c)
	return err
}

// serve runs the echo server on n hubs until SIGINT or SIGTERM; ready is called with the bound
// address once each hub listens.
func serve(addr string, n int, ready func(string)) error {
	opts := server.Options{ListenConfig: socket.ListenConfig{ReusePort: n > 1}}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = gsignal.Main(func() error {
				s, err := server.Listen("tcp", addr, handle, opts)
				if err != nil {
					return err
				}
				ready(s.Addr().String())
				return s.Serve()
			}, syscall.SIGINT, syscall.SIGTERM)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
