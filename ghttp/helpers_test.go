package ghttp_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// bg bounds the waits that have no limit of their own.
var bg = context.Background()

const ms = time.Millisecond

// quietLog discards what a server logs.
var quietLog = log.New(io.Discard, "", 0)

// hubServer is a ghttp.Server running on a hub of its own goroutine, for tests whose clients
// are plain goroutines (net/http's client, raw sockets).
type hubServer struct {
	Addr string
	Hub  *scheduler.Hub
	srv  *ghttp.Server
	stop event.Event
	done chan error
}

// startServer serves srv on 127.0.0.1 in a new hub on its own goroutine (TLS when tls is
// true, with testCert); the test's cleanup shuts it down.
func startServer(t testing.TB, srv *ghttp.Server, useTLS bool) *hubServer {
	t.Helper()
	return startHubServer(t, srv, useTLS, ignoreClosed, shutdownServer(srv))
}

// startUnixServer is startServer on a Unix socket in a new directory, whose path is Addr.
func startUnixServer(t testing.TB, srv *ghttp.Server) *hubServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "ghttp") // t.TempDir's paths can pass a socket path's limit
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return startHubServerOn(t, srv, "unix", filepath.Join(dir, "s"), false, ignoreClosed, shutdownServer(srv))
}

// shutdownServer returns startServer's way to stop srv: Shutdown within 5 s, then the serving
// greenlet's end.
func shutdownServer(srv *ghttp.Server) func(serving *scheduler.Greenlet[struct{}]) error {
	return func(serving *scheduler.Greenlet[struct{}]) error {
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		_ = serving.Join(bg)
		return err
	}
}

// startHubServer is startServer with its two ends given: served gets what Serve returned (its
// result is the serving greenlet's), and stop ends the server once the test's Stop comes.
func startHubServer(t testing.TB, srv *ghttp.Server, useTLS bool, served func(error) error,
	stop func(serving *scheduler.Greenlet[struct{}]) error) *hubServer {
	t.Helper()
	return startHubServerOn(t, srv, "tcp", "127.0.0.1:0", useTLS, served, stop)
}

// startHubServerOn is startHubServer listening on network and address.
func startHubServerOn(t testing.TB, srv *ghttp.Server, network, address string, useTLS bool,
	served func(error) error, stop func(serving *scheduler.Greenlet[struct{}]) error) *hubServer {
	t.Helper()
	hs := &hubServer{srv: srv, done: make(chan error, 1)}
	ready := make(chan error, 1)
	go func() {
		hs.done <- scheduler.Main(func() error {
			ln, err := socket.Listen(network, address)
			if err != nil {
				ready <- err
				return err
			}
			hs.Addr = ln.Addr().String()
			hs.Hub = scheduler.CurrentHub()
			serving := scheduler.Go(func() error {
				if useTLS {
					return served(srv.ServeTLS(ln, "", ""))
				}
				return served(srv.Serve(ln))
			})
			ready <- nil
			// Stop is set from the test's goroutine: the loop must not run dry meanwhile,
			// even once the server has stopped serving.
			release, _ := hs.Hub.KeepAlive() // main of the hub: never refused
			err = hs.stop.Wait(bg)
			release()
			if err != nil {
				return err
			}
			return stop(serving)
		})
	}()
	require.NoError(t, <-ready)
	t.Cleanup(func() { hs.Stop(t) })
	return hs
}

// Stop shuts the server down (once) and waits for its hub to end.
func (hs *hubServer) Stop(t testing.TB) {
	if hs.done == nil {
		return
	}
	hs.stop.Set()
	select {
	case err := <-hs.done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server's hub did not end")
	}
	hs.done = nil
}

// Run runs fn in a greenlet of the server's hub and returns its error.
func (hs *hubServer) Run(fn func() error) error {
	done := make(chan error, 1)
	if err := hs.Hub.Post(func() { scheduler.Go(func() error { done <- fn(); return nil }) }); err != nil {
		return err
	}
	return <-done
}

// netConnDial dials addr with package net, for clients on plain goroutines.
func netConnDial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ignoreClosed drops the error Serve returns after Shutdown or Close.
func ignoreClosed(err error) error {
	if errors.Is(err, ghttp.ErrServerClosed) {
		return nil
	}
	return err
}

// serveIn serves srv on ln in a new greenlet; Serve's error after a stop is dropped.
func serveIn(srv *ghttp.Server, ln *socket.Listener) *scheduler.Greenlet[struct{}] {
	return scheduler.Go(func() error { return ignoreClosed(srv.Serve(ln)) })
}
