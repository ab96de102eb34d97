package ghttp_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// heldConn is a client's connection whose writes can be held back and sent later in parts,
// so that the server gets a request (on TLS, a record) in pieces.
type heldConn struct {
	net.Conn
	mu   sync.Mutex
	hold bool
	held []byte
}

func (c *heldConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold {
		c.held = append(c.held, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// holdWrites makes the writes that follow wait in the connection until send.
func (c *heldConn) holdWrites() {
	c.mu.Lock()
	c.hold = true
	c.mu.Unlock()
}

// send writes the first n bytes held back (all of them when n is negative), and writes
// through again once nothing is held.
func (c *heldConn) send(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n > len(c.held) {
		n = len(c.held)
	}
	_, err := c.Conn.Write(c.held[:n])
	c.held = c.held[n:]
	c.hold = len(c.held) > 0
	return err
}

// heldLen returns how many bytes are held back.
func (c *heldConn) heldLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.held)
}

// auditServer is a server under test: ours on a hub, or net/http's, to compare with.
type auditServer struct {
	addr  string
	sleep func(ctx context.Context, d time.Duration) error // a handler's cooperative wait
}

// timeouts are a server's ReadTimeout, ReadHeaderTimeout, WriteTimeout and IdleTimeout.
type timeouts struct{ read, readHeader, write, idle time.Duration }

// startAuditServer serves h on 127.0.0.1 with ours (netHTTP false) or net/http's Server, with
// the timeouts tmpl, over TLS when useTLS.
func startAuditServer(t *testing.T, netHTTP, useTLS bool, tmpl timeouts, h http.Handler) auditServer {
	t.Helper()
	if !netHTTP {
		srv := &ghttp.Server{
			Handler: h, ErrorLog: quietLog, TLSConfig: serverTLS(t),
			ReadTimeout: tmpl.read, ReadHeaderTimeout: tmpl.readHeader,
			WriteTimeout: tmpl.write, IdleTimeout: tmpl.idle,
		}
		hs := startServer(t, srv, useTLS)
		return auditServer{addr: hs.Addr, sleep: scheduler.Sleep}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	if useTLS {
		ln = tls.NewListener(ln, serverTLS(t))
	}
	srv := &http.Server{
		Handler: h, ErrorLog: quietLog,
		ReadTimeout: tmpl.read, ReadHeaderTimeout: tmpl.readHeader,
		WriteTimeout: tmpl.write, IdleTimeout: tmpl.idle,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
		assert.ErrorIs(t, <-done, http.ErrServerClosed)
	})
	return auditServer{addr: addr, sleep: sleepGoroutine}
}

// sleepGoroutine is net/http's handlers' wait: d, or until ctx ends.
func sleepGoroutine(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dialAudit dials s from a plain goroutine, through a heldConn, with TLS when useTLS.
func dialAudit(t *testing.T, s auditServer, useTLS bool) (net.Conn, *heldConn) {
	t.Helper()
	hc := &heldConn{Conn: netConnDial(t, s.addr)}
	require.NoError(t, hc.SetDeadline(time.Now().Add(10*time.Second)))
	if !useTLS {
		return hc, hc
	}
	cfg := clientTLS(t)
	cfg.ServerName = "127.0.0.1"
	tc := tls.Client(hc, cfg)
	require.NoError(t, tc.Handshake())
	return tc, hc
}

// forEachServer runs f for ours and net/http's Server, each on plain TCP and TLS.
func forEachServer(t *testing.T, f func(t *testing.T, netHTTP, useTLS bool)) {
	for _, netHTTP := range []bool{false, true} {
		for _, useTLS := range []bool{false, true} {
			name := map[bool]string{false: "ghttp", true: "net-http"}[netHTTP] + "/" +
				map[bool]string{false: "plain", true: "TLS"}[useTLS]
			t.Run(name, func(t *testing.T) { f(t, netHTTP, useTLS) })
		}
	}
}

// A handler that runs past ReadTimeout while the next request arrives in part (on TLS, part of
// a record, which the background read then waits in): the request's context stays alive, the
// response arrives, and the next request is served with a live context. The background read
// once kept ReadTimeout's deadline on TLS, so its read timed out while the handler ran, which
// cancelled the connection's context: the handler's, and every later request's on it. net/http
// clears the read deadline when its background read starts.
//
// Timing-sensitive: the handler waits 8 ReadTimeouts for the rest of the test to happen in (the
// partial bytes must reach the server while it waits), which loopback does in microseconds.
func TestBackgroundReadOutlivesReadTimeout(t *testing.T) {
	const readTimeout = 50 * ms
	forEachServer(t, func(t *testing.T, netHTTP, useTLS bool) {
		var s auditServer
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/slow" {
				_, _ = io.WriteString(w, "ctx: "+errString(r.Context().Err()))
				return
			}
			w.(http.Flusher).Flush() // the client sees the handler run
			_, _ = io.WriteString(w, "slept: "+errString(s.sleep(r.Context(), 8*readTimeout)))
		})
		s = startAuditServer(t, netHTTP, useTLS, timeouts{read: readTimeout}, h)
		c, hc := dialAudit(t, s, useTLS)
		_, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
		require.NoError(t, err)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		// The handler runs: the next request comes, but only its first half.
		hc.holdWrites()
		_, err = io.WriteString(c, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
		require.NoError(t, err)
		require.NoError(t, hc.send(hc.heldLen()/2))
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, "slept: <nil>", string(body), "the slow handler's context")
		require.NoError(t, hc.send(-1))
		resp, err = http.ReadResponse(br, nil)
		require.NoError(t, err, "the next request's response")
		body, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, "ctx: <nil>", string(body), "the next request's context")
	})
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
