package server_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// An echo server, a greenlet per connection, with a client greenlet in the
// same hub; Shutdown closes the listener, lets the handlers finish and ends
// Serve.
func Example() {
	err := scheduler.Main(func() error {
		srv, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			_, err := io.Copy(c, c) // Read and Write block only this handler's greenlet
			return err
		}, server.Options{})
		if err != nil {
			return err
		}
		serving := scheduler.Go(srv.Serve)

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		client := scheduler.Spawn(func() (string, error) {
			c, err := socket.Dial("tcp", srv.Addr().String())
			if err != nil {
				return "", err
			}
			defer c.Close()
			if _, err := c.Write([]byte("hello")); err != nil {
				return "", err
			}
			if err := c.(*socket.Conn).CloseWrite(); err != nil { // the handler reads io.EOF
				return "", err
			}
			reply, err := io.ReadAll(c)
			return string(reply), err
		})
		reply, err := client.Get(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("echoed %q\n", reply)

		if err := srv.Shutdown(ctx); err != nil {
			return err
		}
		fmt.Println("Serve returned", serving.Join(ctx), serving.Err())
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// echoed "hello"
	// Serve returned <nil> <nil>
}

// Shutdown gives running handlers until its context ends to finish, then
// kills the ones still blocked so their defers run and their connections
// close.
func ExampleStreamServer_Shutdown() {
	err := scheduler.Main(func() error {
		srv, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			defer fmt.Println("handler's defer runs")
			if _, err := c.Write([]byte("hi\n")); err != nil {
				return err
			}
			_, err := io.Copy(io.Discard, c) // blocks until the client closes, which it never does
			return err
		}, server.Options{})
		if err != nil {
			return err
		}
		if err := srv.Start(); err != nil {
			return err
		}

		c, err := socket.DialTimeout("tcp", srv.Addr().String(), 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
			return err
		}
		greeting := make([]byte, 3)
		if _, err := io.ReadFull(c, greeting); err != nil {
			return err
		}
		fmt.Printf("client read %q; handlers running: %d\n", greeting, srv.Len())

		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		fmt.Println("Shutdown:", srv.Shutdown(ctx))
		fmt.Println("handlers running:", srv.Len())
		rest, err := io.ReadAll(c) // the killed handler's connection was closed
		fmt.Printf("client then read %q, %v\n", rest, err)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// client read "hi\n"; handlers running: 1
	// handler's defer runs
	// Shutdown: server: StreamServer.Shutdown: context deadline exceeded
	// handlers running: 0
	// client then read "", <nil>
}
