package ghttp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/socket"
)

// breakableConn is a client connection whose writes fail with EPIPE once broken is set, after
// passing keep bytes of the first failing write on: the server closed the idle connection just
// as the next request went out, which the liveness check before a reuse cannot see.
type breakableConn struct {
	net.Conn
	broken *atomic.Bool
	keep   int
}

func (c *breakableConn) Write(p []byte) (int, error) {
	if c.broken == nil || !c.broken.Load() {
		return c.Conn.Write(p)
	}
	n := 0
	if c.keep > 0 {
		n, _ = c.Conn.Write(p[:min(c.keep, len(p))])
		c.keep = 0
	}
	return n, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
}

// breakFirstConn makes both Transports dial through breakableConns, the first of which breaks
// when the returned flag is set (each Transport its own first).
func breakFirstConn(keep int) (*atomic.Bool, func(*ghttp.Transport, *http.Transport)) {
	broken := new(atomic.Bool)
	wrap := func(dialed *atomic.Int32, c net.Conn) net.Conn {
		bc := &breakableConn{Conn: c, keep: keep}
		if dialed.Add(1) == 1 {
			bc.broken = broken
		}
		return bc
	}
	return broken, func(gt *ghttp.Transport, nt *http.Transport) {
		var gDialed, nDialed atomic.Int32
		gt.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d socket.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return wrap(&gDialed, c), nil
		}
		nt.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return wrap(&nDialed, c), nil
		}
	}
}

// A request on a reused connection whose write fails is made again on a new connection as
// net/http's Transport makes it again: when nothing of it went out, if it has no body or its
// body can be rewound (GetBody), whatever its method; once bytes went out, only as net/http
// would (not after a failed write). Both Transports run each case and must agree.
func TestTransportRetriesARequestNothingOfWhichWasSent(t *testing.T) {
	cases := []struct {
		name    string
		method  string
		body    func() io.Reader // nil: no body
		keep    int              // bytes of the failing write that went out
		retried bool
	}{
		{"POST with GetBody, nothing sent", http.MethodPost, func() io.Reader { return strings.NewReader("data") }, 0, true},
		{"POST without a body, nothing sent", http.MethodPost, nil, 0, true},
		{"POST without GetBody, nothing sent", http.MethodPost, func() io.Reader { return io.NopCloser(strings.NewReader("data")) }, 0, false},
		{"POST with GetBody, bytes sent", http.MethodPost, func() io.Reader { return strings.NewReader("data") }, 10, false},
		{"GET, nothing sent", http.MethodGet, nil, 0, true},
		{"GET, bytes sent", http.MethodGet, nil, 10, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			broken, mk := breakFirstConn(tc.keep)
			forBoth(t, mk, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
				broken.Store(false)
				base := connEchoServer(t)
				c := &http.Client{Transport: rt}
				resp, err := doReq(ctx, c, http.MethodGet, base, nil)
				require.NoError(t, err)
				require.Equal(t, "conn0:;", readAll(t, resp))
				broken.Store(true) // the next request goes on the idle connection, which breaks
				var body io.Reader
				want := "conn1:;"
				if tc.body != nil {
					body, want = tc.body(), "conn1:data;"
				}
				resp, err = doReq(ctx, c, tc.method, base, body)
				if !tc.retried {
					assert.ErrorIs(t, err, syscall.EPIPE)
					return
				}
				if assert.NoError(t, err, "made again on a new connection") {
					assert.Equal(t, want, readAll(t, resp))
				}
			})
		})
	}
}

// connEchoServer answers each request with "conn<n>:<body>;", n counting the connections:
// the first connection serves requests until the client closes it, the others one each.
func connEchoServer(t *testing.T) string {
	return rawServer(t, func(n int, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			b, _ := io.ReadAll(req.Body)
			_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\nconn%d:%s;", len(b)+7, n, b)
			if n > 0 {
				return
			}
		}
	})
}

// The same over TLS, where what went out counts in whole records, as crypto/tls counts what it
// wrote: a write that sent nothing or part of its first record (which the server cannot
// decrypt) is made again, one that sent a whole record is not.
func TestTransportRetriesOverTLSARequestNothingOfWhichWasSent(t *testing.T) {
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "%d;", len(b))
	}), true, nil)
	cfg := ts.Client().Transport.(*http.Transport).TLSClientConfig
	cases := []struct {
		name    string
		keep    int // bytes of the failing write that go out
		body    int // the POST body's size
		retried bool
	}{
		{"nothing sent", 0, 4, true},
		{"part of a record sent", 10, 4, true},
		{"a whole record sent", 20 << 10, 40 << 10, false}, // records hold at most 16 KiB
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			broken, mk := breakFirstConn(tc.keep)
			forBoth(t, func(gt *ghttp.Transport, nt *http.Transport) {
				mk(gt, nt)
				gt.TLSClientConfig, nt.TLSClientConfig = cfg.Clone(), cfg.Clone()
			}, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
				broken.Store(false)
				c := &http.Client{Transport: rt}
				resp, err := doReq(ctx, c, http.MethodGet, ts.URL, nil)
				require.NoError(t, err)
				require.Equal(t, "0;", readAll(t, resp))
				broken.Store(true)
				resp, err = doReq(ctx, c, http.MethodPost, ts.URL, strings.NewReader(strings.Repeat("d", tc.body)))
				if !tc.retried {
					assert.ErrorIs(t, err, syscall.EPIPE)
					return
				}
				if assert.NoError(t, err, "made again on a new connection") {
					assert.Equal(t, fmt.Sprintf("%d;", tc.body), readAll(t, resp))
				}
			})
		})
	}
}
