package main

import (
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// httpServer serves h with net/http on loopback until the test ends.
func httpServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h}
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(ln) })
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func TestRunHTTP(t *testing.T) {
	addr := httpServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hello" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("Hello, World!"))
	})
	res, err := run(config{addr: addr, conns: 3, httpPath: "/hello", warmup: 10 * time.Millisecond, duration: 200 * time.Millisecond, pid: os.Getpid()})
	require.NoError(t, err)
	assert.Positive(t, res.rps)
	assert.Positive(t, res.cpuNs)

	_, err = run(config{addr: addr, conns: 1, httpPath: "/nope", duration: 50 * time.Millisecond})
	assert.ErrorIs(t, err, errBadAnswer, "a 404 is not an answer")
}

func TestRunHTTPServerClosing(t *testing.T) {
	addr := httpServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("bye"))
	})
	_, err := run(config{addr: addr, conns: 1, httpPath: "/", duration: 50 * time.Millisecond})
	assert.ErrorIs(t, err, errBadAnswer, "the load is on kept-alive connections")
}

func TestEchoMismatch(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 8)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			if _, err := c.Write([]byte("XXXXXXXX")); err != nil {
				return
			}
		}
	})
	_, err = run(config{addr: ln.Addr().String(), conns: 1, size: 8, duration: 50 * time.Millisecond})
	ln.Close()
	wg.Wait()
	assert.ErrorIs(t, err, errBadAnswer)
	assert.False(t, errors.Is(err, errPerfControl))
}
