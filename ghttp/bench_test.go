package ghttp_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// BenchmarkServerKeepAlive measures one keep-alive request and its response through a Server,
// with a raw client greenlet on the same hub: the server's per-request cost plus a write and a
// read of the client.
func BenchmarkServerKeepAlive(b *testing.B) {
	for _, size := range []int{13, 16384} {
		b.Run(strconv.Itoa(size), func(b *testing.B) { benchServer(b, size) })
	}
}

// startBenchServer starts, on the calling greenlet's hub, a Server whose handler answers every
// request with size bytes, and dials it.
func startBenchServer(size int) (*ghttp.Server, net.Conn, error) {
	body := bytes.Repeat([]byte("x"), size)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	ln, err := socket.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &ghttp.Server{Handler: h}
	serveIn(srv, ln)
	c, err := socket.Dial("tcp", ln.Addr().String())
	if err != nil {
		_ = srv.Close()
		return nil, nil, err
	}
	return srv, c, nil
}

func benchServer(b *testing.B, size int) {
	err := scheduler.Main(func() error {
		srv, c, err := startBenchServer(size)
		if err != nil {
			return err
		}
		defer c.Close()
		req := []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
		br := bufio.NewReader(c)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := c.Write(req); err != nil {
				return err
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				return err
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				return err
			}
		}
		b.StopTimer()
		return srv.Close()
	})
	if err != nil {
		b.Fatal(err)
	}
}
