package ghttp_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/internal/testctx"
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

// shutdownRig serves a Server on a hub of its own goroutine and keeps what Serve returned.
type shutdownRig struct {
	*hubServer
	srv    *ghttp.Server
	served chan error // Serve's error
}

// startShutdownRig serves srv (TLS when useTLS) and records Serve's error; the test's cleanup
// closes the server if the test did not stop it.
func startShutdownRig(t *testing.T, srv *ghttp.Server, useTLS bool) *shutdownRig {
	t.Helper()
	rig := &shutdownRig{srv: srv, served: make(chan error, 1)}
	rig.hubServer = startHubServer(t, srv, useTLS,
		func(err error) error { rig.served <- err; return nil },
		func(*scheduler.Greenlet[struct{}]) error { return srv.Close() })
	return rig
}

// shutdownAsync starts Shutdown(ctx) in a greenlet of the server's hub; its error comes on the
// channel.
func (rig *shutdownRig) shutdownAsync(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	require.NoError(nil, rig.Hub.Post(func() {
		scheduler.Go(func() error { done <- rig.srv.Shutdown(ctx); return nil })
	}))
	return done
}

// recvWithin returns what ch delivers within 5 s, failing the test otherwise.
func recvWithin[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
		var zero T
		return zero
	}
}

// dialClient dials addr from a plain goroutine, with TLS (handshake done) when useTLS.
func dialClient(t *testing.T, addr string, useTLS bool) net.Conn {
	t.Helper()
	return clientOver(t, netConnDial(t, addr), useTLS)
}

// clientOver gives c a 10 s deadline and returns it, or a TLS client over it (handshake done)
// when useTLS.
func clientOver(t *testing.T, c net.Conn, useTLS bool) net.Conn {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	if !useTLS {
		return c
	}
	cfg := clientTLS(t)
	cfg.ServerName = "127.0.0.1"
	tc := tls.Client(c, cfg)
	require.NoError(t, tc.Handshake())
	return tc
}

// shutdownHandler answers /fast at once, /slow in two parts with a wait for release between
// them, and /hijack by hijacking and echoing lines until the client closes.
func shutdownHandler(release *event.Event) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			_, _ = io.WriteString(w, "first;")
			w.(http.Flusher).Flush()
			if release.Wait(r.Context()) == nil {
				_, _ = io.WriteString(w, "second")
			}
		case "/hijack":
			c, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer c.Close()
			for {
				line, err := buf.ReadString('\n')
				if err != nil {
					return
				}
				_, _ = buf.WriteString("echo " + line)
				_ = buf.Flush()
			}
		default:
			_, _ = io.WriteString(w, "fast")
		}
	})
}

// Shutdown with every kind of connection at once: a handler mid-response, an idle keep-alive
// connection, a connection still in its TLS handshake (on plain sockets, one that sent
// nothing), and a hijacked one. Serve returns ErrServerClosed at once, the idle connection is
// closed at once, the hijacked one keeps working, and Shutdown returns nil once the response
// is finished and the new connection went away.
func TestShutdownWithConnectionsInEveryState(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			var release event.Event
			srv := &ghttp.Server{TLSConfig: serverTLS(t), ErrorLog: quietLog, Handler: shutdownHandler(&release)}
			rig := startShutdownRig(t, srv, useTLS)

			idle := dialClient(t, rig.Addr, useTLS)
			_, err := io.WriteString(idle, "GET /fast HTTP/1.1\r\nHost: a\r\n\r\n")
			require.NoError(t, err)
			idleR := bufio.NewReader(idle)
			resp, err := http.ReadResponse(idleR, nil)
			require.NoError(t, err)
			_, err = io.ReadAll(resp.Body)
			require.NoError(t, err)

			active := dialClient(t, rig.Addr, useTLS)
			_, err = io.WriteString(active, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
			require.NoError(t, err)
			activeR := bufio.NewReader(active)
			resp, err = http.ReadResponse(activeR, nil)
			require.NoError(t, err)
			first := make([]byte, len("first;"))
			_, err = io.ReadFull(resp.Body, first)
			require.NoError(t, err)

			hijacked := dialClient(t, rig.Addr, useTLS)
			_, err = io.WriteString(hijacked, "GET /hijack HTTP/1.1\r\nHost: a\r\n\r\nping\n")
			require.NoError(t, err)
			hijackedR := bufio.NewReader(hijacked)
			line, err := hijackedR.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "echo ping\n", line)

			fresh := netConnDial(t, rig.Addr) // no handshake, no request
			require.NoError(t, fresh.SetDeadline(time.Now().Add(10*time.Second)))

			shut := rig.shutdownAsync(testctx.Within(t, 10*time.Second))
			assert.ErrorIs(t, recvWithin(t, rig.served, "Serve's return"), http.ErrServerClosed)
			_, err = idleR.ReadByte()
			assert.ErrorIs(t, err, io.EOF, "the idle connection is closed")
			_, err = io.WriteString(hijacked, "still there\n")
			require.NoError(t, err)
			line, err = hijackedR.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "echo still there\n", line, "the hijacked connection is not the server's")
			select {
			case err := <-shut:
				t.Fatalf("Shutdown returned %v with a response unfinished", err)
			default:
			}

			release.Set()
			rest, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, "second", string(rest))
			_, err = activeR.ReadByte()
			assert.ErrorIs(t, err, io.EOF, "the active connection closes after its response")
			require.NoError(t, fresh.Close())
			assert.NoError(t, recvWithin(t, shut, "Shutdown's return"))

			_, err = io.WriteString(hijacked, "after\n")
			require.NoError(t, err)
			line, err = hijackedR.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "echo after\n", line)
			require.NoError(t, hijacked.Close())
		})
	}
}

// Shutdown whose context ends while a client stalls in its TLS handshake and a handler runs:
// both connections are closed, the handler's greenlet killed, and Shutdown returns the
// context's error without hanging.
func TestShutdownContextEndsDuringAHandshake(t *testing.T) {
	var inHandler event.Event
	ended := make(chan error, 1)
	srv := &ghttp.Server{TLSConfig: serverTLS(t), ErrorLog: quietLog,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inHandler.Set()
			ended <- scheduler.Sleep(r.Context(), time.Hour)
		})}
	rig := startShutdownRig(t, srv, true)
	stalled := stallHandshake(t, rig.Addr)
	require.NoError(t, stalled.SetDeadline(time.Now().Add(10*time.Second)))
	active := dialClient(t, rig.Addr, true)
	_, err := io.WriteString(active, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	waitFor(t, "the handler", inHandler.IsSet)

	ctx, cancel := context.WithTimeout(bg, 50*ms)
	defer cancel()
	err = recvWithin(t, rig.shutdownAsync(ctx), "Shutdown's return")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Error(t, recvWithin(t, ended, "the handler's end"))
	assert.ErrorIs(t, recvWithin(t, rig.served, "Serve's return"), http.ErrServerClosed)
	_, err = io.ReadAll(stalled)
	assert.NoError(t, err, "the stalled handshake's connection is closed")
	_, err = io.ReadAll(active)
	assert.NoError(t, err, "the active connection is closed")
}

// A greenlet the handler left behind waits in a read of the request body when the handler
// returns: the server must neither block the hub on the body (net/http's body takes a lock
// around a read, and the server's drain and Close took it while the greenlet held it, waiting
// on a socket only the blocked hub could wake), nor reuse the connection, whose body was cut
// short. The read ends with http.ErrBodyReadAfterClose, the response comes with
// "Connection: close", and another client is served meanwhile.
func TestALeftBehindBodyReadDoesNotBlockTheHub(t *testing.T) {
	ghttp.SetRSTAvoidanceDelay(t, 10*ms)
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			readErr := make(chan error, 1)
			srv := &ghttp.Server{TLSConfig: serverTLS(t), ErrorLog: quietLog,
				Handler: withOther(func(w http.ResponseWriter, r *http.Request) {
					var started event.Event
					scheduler.Go(func() error {
						first := make([]byte, 3)
						_, err := io.ReadFull(r.Body, first)
						started.Set()
						if err == nil {
							_, err = io.ReadAll(r.Body) // waits: the client sends no more
						}
						readErr <- err
						return nil
					})
					_ = started.Wait(r.Context()) // the reader now waits in its second read
				})}
			hs := startServer(t, srv, useTLS)
			c := dialClient(t, hs.Addr, useTLS)
			_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
			require.NoError(t, err)
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err, "the response")
			assert.True(t, resp.Close, "the body was cut short: the connection closes")
			assert.ErrorIs(t, recvWithin(t, readErr, "the left-behind read's end"), http.ErrBodyReadAfterClose)
			_, err = io.ReadAll(br)
			assert.NoError(t, err, "the connection is closed")

			assertOtherServed(t, hs.Addr, useTLS)
		})
	}
}

// While a greenlet waits in a read of the request body, a second Read fails at once instead of
// blocking the hub, and the handler's Close ends the first read
// (http.ErrBodyReadAfterClose) without cancelling the request's context; the connection then
// closes after the response, the body's end being unknown.
func TestABodyReadInProgressMeetsASecondReadAndClose(t *testing.T) {
	ghttp.SetRSTAvoidanceDelay(t, 10*ms)
	type result struct{ second, first, ctx error }
	results := make(chan result, 1)
	srv := &ghttp.Server{ErrorLog: quietLog, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var started event.Event
		firstErr := make(chan error, 1)
		scheduler.Go(func() error {
			started.Set()
			_, err := io.ReadAll(r.Body) // waits: the client sends no body yet
			firstErr <- err
			return nil
		})
		_ = started.Wait(r.Context())
		var res result
		_, res.second = r.Body.Read(make([]byte, 1))
		_ = r.Body.Close()
		select {
		case res.first = <-firstErr: // sent before Close returned
		default:
			res.first = errors.New("the read had not ended when Close returned")
		}
		res.ctx = r.Context().Err()
		results <- res
		_, _ = io.WriteString(w, "done")
	})}
	hs := startServer(t, srv, false)
	c := dialClient(t, hs.Addr, false)
	_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
	require.NoError(t, err)
	res := recvWithin(t, results, "the handler's results")
	assert.ErrorContains(t, res.second, "concurrent Body.Read")
	assert.ErrorIs(t, res.first, http.ErrBodyReadAfterClose)
	assert.NoError(t, res.ctx, "the request's context")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.True(t, resp.Close)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "done", string(body))
}

// Server.Close while a handler's greenlet waits in a read of the request body: the handler is
// killed, the read ends, and nothing hangs.
func TestCloseWithABodyReadInProgress(t *testing.T) {
	readErr := make(chan error, 1)
	var reading event.Event
	srv := &ghttp.Server{ErrorLog: quietLog, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheduler.Go(func() error {
			reading.Set()
			_, err := io.ReadAll(r.Body)
			readErr <- err
			return nil
		})
		_ = scheduler.Sleep(r.Context(), time.Hour)
	})}
	hs := startServer(t, srv, false)
	c := dialClient(t, hs.Addr, false)
	_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
	require.NoError(t, err)
	waitFor(t, "the body's reader", reading.IsSet)
	require.NoError(t, hs.Run(srv.Close))
	assert.Error(t, recvWithin(t, readErr, "the read's end"))
	_, err = io.ReadAll(c)
	assert.NoError(t, err, "the connection is closed")
}

// smallSendBuffer is a ConnState hook that gives a new connection a 64 KiB send buffer, so that
// what a blocked write leaves unsent does not depend on the system's autotuning.
func smallSendBuffer(c net.Conn, st http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if sb, ok := c.(interface{ SetWriteBuffer(int) error }); ok && st == http.StateNew {
		_ = sb.SetWriteBuffer(64 << 10)
	}
}

// dialSmallReceiveBuffer is dialClient with a 64 KiB receive buffer, set before connecting so
// that the window stays small.
func dialSmallReceiveBuffer(t *testing.T, addr string, useTLS bool) net.Conn {
	t.Helper()
	return clientOver(t, smallReceiveBufferDial(t, addr), useTLS)
}

// writeUntilItFails writes to w until a write fails, and returns that error.
func writeUntilItFails(w io.Writer) error {
	chunk := make([]byte, 1<<20)
	for {
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
}

// A greenlet the handler left behind waits in a write of the response (the client reads
// nothing) when the handler returns: the server must not write the end of the response in
// the middle of it (nor, on TLS, wait for crypto/tls's write lock on the hub's goroutine). The
// write is ended, the response is cut short and the connection closed, the greenlet's next
// write gets ErrHandlerReturned, and another client is served meanwhile.
func TestALeftBehindWriteIsEndedWhenTheHandlerReturns(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			writeErrs := make(chan error, 2)
			srv := &ghttp.Server{TLSConfig: serverTLS(t), ErrorLog: quietLog,
				Handler: withOther(func(w http.ResponseWriter, r *http.Request) {
					var started event.Event
					scheduler.Go(func() error {
						started.Set()
						// One write of more than the small socket buffers hold.
						_, err := w.Write(make([]byte, 8<<20))
						writeErrs <- err
						_, err = io.WriteString(w, "more")
						writeErrs <- err
						return nil
					})
					_ = started.Wait(r.Context()) // the writer yields first when waiting on the socket
				}),
				ConnState: smallSendBuffer,
			}
			hs := startServer(t, srv, useTLS)
			c := dialSmallReceiveBuffer(t, hs.Addr, useTLS)
			_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			require.NoError(t, err)

			assertOtherServed(t, hs.Addr, useTLS)

			// The client reads only once the write has ended: that /other was served says
			// nothing of how far this handler got, and a client reading while the writer has
			// yet to fill the socket can take all 8 MiB without the write ever waiting.
			assert.Error(t, recvWithin(t, writeErrs, "the left-behind write's end"))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			require.NoError(t, err)
			_, err = io.Copy(io.Discard, resp.Body)
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the response is cut short, then the connection closed")
			assert.ErrorIs(t, recvWithin(t, writeErrs, "the next write"), ghttp.ErrHandlerReturned)
		})
	}
}

// A TLS client that stops reading a large response and sends a record the server cannot
// decrypt, read by the background read or, in full duplex, by a greenlet reading the request
// body: crypto/tls then sends a bad_record_mac alert, which needs its write lock, a sync.Mutex
// held by the response's write waiting on the socket. The alert once waited for that lock on
// the hub's goroutine, which no other greenlet could then run on: one client stopped every
// connection of the hub. Now the read fails and other clients are served.
func TestATLSAlertDuringABlockedWriteDoesNotBlockTheHub(t *testing.T) {
	for _, duplex := range []bool{false, true} {
		t.Run(map[bool]string{false: "background read", true: "full-duplex body read"}[duplex], func(t *testing.T) {
			testTLSAlertDuringABlockedWrite(t, duplex)
		})
	}
}

func testTLSAlertDuringABlockedWrite(t *testing.T, duplex bool) {
	var writing atomic.Bool
	readErr := make(chan error, 1)
	srv := &ghttp.Server{TLSConfig: serverTLS(t), ErrorLog: quietLog,
		Handler: withOther(func(w http.ResponseWriter, r *http.Request) {
			if duplex {
				_ = http.NewResponseController(w).EnableFullDuplex()
				scheduler.Go(func() error {
					_, err := io.ReadAll(r.Body)
					readErr <- err
					return nil
				})
			}
			writing.Store(true)
			// Nobody reads: a write waits on the socket (before the fix, within crypto/tls),
			// and only then can the hub see the client's record.
			_ = writeUntilItFails(w)
			if !duplex {
				readErr <- r.Context().Err() // the background read failed: the client is gone
			}
		})}
	hs := startServer(t, srv, true)
	c, hc := dialAudit(t, auditServer{addr: hs.Addr}, true)
	req := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	if duplex {
		req = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"
	}
	_, err := io.WriteString(c, req)
	require.NoError(t, err)
	waitFor(t, "the handler's write", writing.Load)
	// An application-data record of 32 bytes the server cannot decrypt.
	garbage := append([]byte{0x17, 0x03, 0x03, 0x00, 0x20}, make([]byte, 32)...)
	_, err = hc.Conn.Write(garbage)
	require.NoError(t, err)

	assertOtherServed(t, hs.Addr, true)
	if duplex {
		assert.ErrorContains(t, recvWithin(t, readErr, "the body read's end"), "bad record MAC")
	}
	require.NoError(t, hc.Conn.Close()) // the blocked write fails
	if !duplex {
		assert.ErrorIs(t, recvWithin(t, readErr, "the handler's end"), context.Canceled)
	}
}

// timeoutCase is a client's script against a server with some timeouts, summed up in words
// that must be the same for ours and net/http's Server.
type timeoutCase struct {
	name   string
	tos    timeouts
	script func(t *testing.T, c net.Conn, br *bufio.Reader) string
}

// exchangeOne sends one request on c and returns "200 <body>", or how the read failed.
func exchangeOne(t *testing.T, c net.Conn, br *bufio.Reader, path string) string {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		return "write failed"
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return "no response"
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "body cut short"
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, body)
}

// closedWithin reads from br until the server closes and says whether that took at least min.
func closedWithin(br *bufio.Reader, start time.Time, minimum time.Duration) string {
	_, err := io.ReadAll(br)
	switch {
	case err != nil:
		return "not closed: " + err.Error()
	case time.Since(start) < minimum:
		return "closed early"
	}
	return "closed"
}

// The timeouts start and end where net/http's do: IdleTimeout between requests, falling back
// to ReadTimeout; ReadHeaderTimeout from the first byte of a request after the first;
// WriteTimeout from the end of each request's header.
//
// Timing-sensitive by nature: each case lets a timeout pass or not. Timers fire late, never
// early, so a case whose outcome needs a timeout to pass only needs the sum of its waits to
// exceed it; one whose outcome needs a timeout not to pass leaves the machine's delays a wide
// margin (at least 290 ms: a loaded machine running the race detector delayed a handler's
// 200 ms sleep and its write past a 300 ms WriteTimeout). "closed early" is measured from
// before the request, so that a client slow to read the response cannot make it early.
func TestTimeoutsStartAndEndAsNetHTTPs(t *testing.T) {
	cases := []timeoutCase{
		{name: "idle falls back to ReadTimeout", tos: timeouts{read: 100 * ms},
			script: func(t *testing.T, c net.Conn, br *bufio.Reader) string {
				start := time.Now()
				first := exchangeOne(t, c, br, "/")
				return first + "; " + closedWithin(br, start, 80*ms)
			}},
		{name: "ReadHeaderTimeout waits for the next request's first byte", tos: timeouts{readHeader: 50 * ms, idle: 5 * time.Second},
			script: func(t *testing.T, c net.Conn, br *bufio.Reader) string {
				first := exchangeOne(t, c, br, "/")
				time.Sleep(200 * ms) // idle for four ReadHeaderTimeouts: within IdleTimeout
				return first + "; " + exchangeOne(t, c, br, "/")
			}},
		{name: "ReadHeaderTimeout bounds a header begun", tos: timeouts{readHeader: 100 * ms, idle: 5 * time.Second},
			script: func(t *testing.T, c net.Conn, br *bufio.Reader) string {
				first := exchangeOne(t, c, br, "/")
				start := time.Now()
				_, _ = io.WriteString(c, "GET / HTTP/1.1\r\n")
				return first + "; " + closedWithin(br, start, 80*ms)
			}},
		{name: "WriteTimeout is renewed by each request", tos: timeouts{write: 600 * ms},
			script: func(t *testing.T, c net.Conn, br *bufio.Reader) string {
				return exchangeOne(t, c, br, "/sleep") + "; " + exchangeOne(t, c, br, "/sleep")
			}},
		{name: "WriteTimeout ends a late response", tos: timeouts{write: 100 * ms},
			script: func(t *testing.T, c net.Conn, br *bufio.Reader) string {
				return exchangeOne(t, c, br, "/slow")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]string
			for i, netHTTP := range []bool{true, false} {
				var s auditServer
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					switch r.URL.Path {
					case "/sleep": // 310 ms of a 600 ms WriteTimeout: two exceed it
						_ = s.sleep(r.Context(), 310*ms)
					case "/slow": // past a 100 ms WriteTimeout
						_ = s.sleep(r.Context(), 300*ms)
					}
					_, _ = io.WriteString(w, "ok")
				})
				s = startAuditServer(t, netHTTP, false, tc.tos, h)
				c, _ := dialAudit(t, s, false)
				got[i] = tc.script(t, c, bufio.NewReader(c))
			}
			assert.Equal(t, got[0], got[1], "net/http's outcome, then ours")
			assert.NotContains(t, got[1], "early")
		})
	}
}

// WriteTimeout still ends a TLS response nobody reads, now that crypto/tls's writes are queued
// and sent outside it.
func TestWriteTimeoutEndsATLSResponseNobodyReads(t *testing.T) {
	writeErr := make(chan error, 1)
	srv := &ghttp.Server{TLSConfig: serverTLS(t), WriteTimeout: 50 * ms, ErrorLog: quietLog,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeErr <- writeUntilItFails(w)
		})}
	hs := startServer(t, srv, true)
	c := dialClient(t, hs.Addr, true)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	assert.ErrorIs(t, recvWithin(t, writeErr, "the write's timeout"), os.ErrDeadlineExceeded)
}

// A greenlet the handler left behind writes the response's first bytes, which first drains the
// unread request body, and waits there for a client that sends none: the handler's return
// ends that read too, and the connection closes, instead of waiting for the body for good.
func TestALeftBehindWriteDrainingTheBodyIsEnded(t *testing.T) {
	ghttp.SetRSTAvoidanceDelay(t, 10*ms)
	writeErr := make(chan error, 1)
	srv := &ghttp.Server{ErrorLog: quietLog, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var started event.Event
		scheduler.Go(func() error {
			started.Set()
			_, err := io.WriteString(w, strings.Repeat("x", 4096)) // more than is held back
			writeErr <- err
			return nil
		})
		_ = started.Wait(r.Context()) // the writer now waits in the body's drain
	})}
	hs := startServer(t, srv, false)
	c := dialClient(t, hs.Addr, false)
	_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
	require.NoError(t, err)
	recvWithin(t, writeErr, "the write's end") // its bytes may have gone to a buffer only
	_, err = io.ReadAll(c)
	assert.NoError(t, err, "the connection is closed")
}

// withOther serves "/other" with the body "other" (what assertOtherServed asks for) and every
// other path with h.
func withOther(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/other" {
			_, _ = io.WriteString(w, "other")
			return
		}
		h(w, r)
	})
}

// assertOtherServed checks that another client of the server at addr gets its answer from
// withOther's "/other": the hub is not stuck on the connection under test.
func assertOtherServed(t *testing.T, addr string, useTLS bool) {
	t.Helper()
	other := dialClient(t, addr, useTLS)
	_, err := io.WriteString(other, "GET /other HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(other), nil)
	require.NoError(t, err, "another client's response")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "other", string(body))
}

// A "100 Continue" the body's first Read is due to send while another greenlet's write of an
// informational response waits on the connection is sent once that write ends (a 1xx is not
// the response: it does not suppress the 100, as a non-1xx header does). The handler's
// greenlet spawns one that writes a 103 too large for the socket's buffers while the client
// reads nothing, then reads the body; the client, which sends its body only after the 100,
// then reads the 103. Before, the Read skipped the 100 because a write was in progress and
// waited for a body the client never sent. net/http cannot run this case: its 1xx writes and
// its 100 Continue share the connection's writer without a lock.
func TestContinueWaitsForAnInformationalWriteOfAnotherGreenlet(t *testing.T) {
	hints := strings.Repeat("a", 8<<20) // more than the sockets' buffers hold (the client's is small)
	reading := make(chan struct{}, 1)
	srv := &ghttp.Server{ErrorLog: quietLog, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var started event.Event
		g := scheduler.Go(func() error {
			w.Header().Set("Link", hints)
			started.Set()
			w.WriteHeader(http.StatusEarlyHints) // waits: the client reads nothing yet
			return nil
		})
		_ = started.Wait(r.Context()) // returns once g waits in its write
		waited := !g.Ready()
		reading <- struct{}{}
		body, err := io.ReadAll(r.Body)
		_ = g.Join(r.Context())
		w.Header().Del("Link")
		_, _ = fmt.Fprintf(w, "%s %v write waited=%v", body, err, waited)
	})}
	hs := startServer(t, srv, false)
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { // before the connect: no window to grow
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
		})
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", hs.Addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	<-reading
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusEarlyHints, resp.StatusCode)
	resp, err = http.ReadResponse(br, nil)
	require.NoError(t, err, "no 100 Continue")
	require.Equal(t, http.StatusContinue, resp.StatusCode)
	_, err = io.WriteString(c, "hello")
	require.NoError(t, err)
	resp, err = http.ReadResponse(br, nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello <nil> write waited=true", string(b))
}
