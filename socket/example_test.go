package socket_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// A listener and a client in one hub: the accepting greenlet and the dialing
// main greenlet each block only themselves, and a deadline bounds every wait.
func Example() {
	err := scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0") // port 0: any free port
		if err != nil {
			return err
		}
		defer ln.Close()
		deadline := time.Now().Add(2 * time.Second)
		if err := ln.SetDeadline(deadline); err != nil { // bounds Accept
			return err
		}
		srv := scheduler.Spawn(func() (string, error) {
			c, err := ln.Accept()
			if err != nil {
				return "", err
			}
			defer c.Close()
			if err := c.SetDeadline(deadline); err != nil {
				return "", err
			}
			msg := make([]byte, 5)
			if _, err := io.ReadFull(c, msg); err != nil {
				return "", err
			}
			_, err = c.Write(bytes.ToUpper(msg))
			return string(msg), err
		})

		c, err := socket.DialTimeout("tcp", ln.Addr().String(), 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.SetDeadline(deadline); err != nil {
			return err
		}
		if _, err := c.Write([]byte("hello")); err != nil {
			return err
		}
		reply, err := io.ReadAll(c) // until the server greenlet closes its end
		if err != nil {
			return err
		}
		got, err := srv.Get(context.Background())
		if err != nil {
			return err
		}
		fmt.Printf("server got %q, client got %q\n", got, reply)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// server got "hello", client got "HELLO"
}

// A read whose deadline passes fails with an error matching
// os.ErrDeadlineExceeded (and scheduler.ErrTimeout); the socket stays usable.
func ExampleConn_SetReadDeadline() {
	err := scheduler.Main(func() error {
		a, b, err := socket.Socketpair()
		if err != nil {
			return err
		}
		defer a.Close()
		defer b.Close()
		if err := a.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
			return err
		}
		_, err = a.Read(make([]byte, 1)) // nobody writes
		fmt.Println(errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, scheduler.ErrTimeout))
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// true true
}

// Select and Poll wait for readiness of raw file descriptors (gevent's
// select.select and select.poll), blocking only the calling greenlet.
func ExampleSelect() {
	err := scheduler.Main(func() error {
		a, b, err := socket.Socketpair()
		if err != nil {
			return err
		}
		defer a.Close()
		defer b.Close()

		r, _, err := socket.TrySelect([]int{a.Fd()}, nil) // just look
		if err != nil {
			return err
		}
		fmt.Println("readable before the write:", len(r))

		writer := scheduler.SpawnLater(10*time.Millisecond, func() (int, error) {
			return b.Write([]byte("x"))
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r, _, err = socket.Select(ctx, []int{a.Fd()}, nil)
		if err != nil {
			return err
		}
		fmt.Println("readable after the write:", len(r) == 1 && r[0] == a.Fd())
		if _, err := writer.Get(context.Background()); err != nil {
			return err
		}

		fds := []socket.PollFD{{Fd: int32(a.Fd()), Events: socket.PollIn}}
		n, err := socket.TryPoll(fds)
		if err != nil {
			return err
		}
		fmt.Println("poll:", n, fds[0].Revents&socket.PollIn != 0)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// readable before the write: 0
	// readable after the write: true
	// poll: 1 true
}

// A net/http Server serves on a cooperative Listener made goroutine-safe with
// Shared: the Server's goroutines call Accept, Read and Write directly, while
// the client runs off the hub (http.Post blocks its goroutine on Go's own
// netpoller).
func ExampleListener_Shared() {
	err := scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s: %s", r.Method, r.URL.Path, body)
		})}
		go srv.Serve(ln.Shared())
		reply, err := scheduler.RunBlocking(context.Background(), func() (string, error) {
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := client.Post("http://"+ln.Addr().String()+"/echo", "text/plain", strings.NewReader("hello"))
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		})
		if err != nil {
			return err
		}
		fmt.Println(reply)
		// Close waits for Serve to return, which needs the hub: off the hub.
		_, err = scheduler.RunBlocking(context.Background(), func() (struct{}, error) { return struct{}{}, srv.Close() })
		return err
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output: POST /echo: hello
}

// A Dialer naming a hub dials from a plain goroutine and returns a shared
// connection: the goroutine reads and writes it directly, and the hub, on a
// goroutine of its own, only watches the fd when a call would block.
func ExampleDialer_hub() {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // package net's echo peer
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			_, _ = io.Copy(c, c)
			c.Close()
		}
	}()

	hubc := make(chan *scheduler.Hub, 1)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Main(func() error {
			hubc <- scheduler.CurrentHub()
			// The main greenlet waits without blocking the hub's goroutine.
			_, err := scheduler.RunBlocking(context.Background(), func() (struct{}, error) {
				<-stop
				return struct{}{}, nil
			})
			return err
		})
	}()

	d := socket.Dialer{Hub: <-hubc, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err == nil {
		_, err = c.Write([]byte("hello"))
	}
	if err == nil {
		reply := make([]byte, 5)
		if _, err = io.ReadFull(c, reply); err == nil {
			fmt.Printf("%s\n", reply)
		}
		c.Close()
	}
	if err != nil {
		fmt.Println("error:", err)
	}
	close(stop)
	if err := <-done; err != nil {
		fmt.Println("hub:", err)
	}
	// Output: hello
}

// A listening socket handed over by a parent process or a service manager (systemd's socket
// activation passes them from descriptor 3 up, counted in $LISTEN_FDS) becomes a Listener of
// the hub with FileListener. Here the descriptor comes from a net.Listener of this process.
func ExampleFileListener() {
	inherited, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer inherited.Close()
	f, err := inherited.(*net.TCPListener).File() // with socket activation: os.NewFile(3, "listener")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	err = scheduler.Main(func() error {
		ln, err := socket.FileListener(f)
		if err != nil {
			return err
		}
		defer ln.Close()
		scheduler.Go(func() error {
			c, err := ln.AcceptConn()
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte("served by the inherited socket\n"))
			return err
		})
		c, err := socket.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		line, err := io.ReadAll(c)
		fmt.Print(string(line))
		return err
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output: served by the inherited socket
}
