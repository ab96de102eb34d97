package ghttp_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// netClient is net/http's client on plain goroutines, trusting the test certificate.
func netClient(t testing.TB) *http.Client {
	tr := &http.Transport{TLSClientConfig: clientTLS(t)}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// get makes a GET with c and returns the status and body.
func get(t testing.TB, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// logBuffer is a goroutine-safe ErrorLog target.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond every millisecond from a plain goroutine until it holds or 5 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(ms)
	}
}

func TestServerCallsOutsideAHubFail(t *testing.T) {
	srv := &ghttp.Server{Addr: "127.0.0.1:0"}
	for name, err := range map[string]error{
		"ListenAndServe": srv.ListenAndServe(),
		"Shutdown":       srv.Shutdown(bg),
		"Close":          srv.Close(),
	} {
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		var ge *ghttp.Error
		assert.ErrorAs(t, err, &ge, name)
	}
	assert.Nil(t, scheduler.CurrentHub(), "no hub was created")
}

func TestServerNilAndBadArguments(t *testing.T) {
	var nilSrv *ghttp.Server
	assert.ErrorIs(t, nilSrv.Serve(nil), scheduler.ErrNilArgument)
	assert.ErrorIs(t, nilSrv.Shutdown(bg), scheduler.ErrNilArgument)
	assert.ErrorIs(t, nilSrv.Close(), scheduler.ErrNilArgument)
	nilSrv.SetKeepAlivesEnabled(false)
	nilSrv.RegisterOnShutdown(func() {})
	srv := &ghttp.Server{}
	assert.ErrorIs(t, srv.Serve(nil), scheduler.ErrNilArgument)
	var nilCtx context.Context
	assert.ErrorIs(t, srv.Shutdown(nilCtx), scheduler.ErrNilArgument)
	require.NoError(t, scheduler.Main(func() error {
		for _, bad := range []*ghttp.Server{{MaxConns: -1}, {MaxConns: 2, Pool: &pool.Pool{}}} {
			ln, err := socket.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			err = bad.Serve(ln)
			assert.ErrorIs(t, err, ghttp.ErrBadOptions)
			assert.ErrorIs(t, ln.Close(), net.ErrClosed, "Serve closed the listener")
		}
		return nil
	}))
}

func TestServeAfterShutdownReturnsServerClosed(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		srv := &ghttp.Server{}
		require.NoError(t, srv.Shutdown(bg))
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		err = srv.Serve(ln)
		assert.ErrorIs(t, err, ghttp.ErrServerClosed)
		assert.ErrorIs(t, err, http.ErrServerClosed)
		assert.ErrorIs(t, err, scheduler.ErrClosed)
		assert.ErrorIs(t, srv.ListenAndServe(), http.ErrServerClosed)
		return nil
	}))
}

func TestZeroServerServesDefaultServeMux(t *testing.T) {
	hs := startServer(t, &ghttp.Server{ErrorLog: quietLog}, false)
	code, _ := get(t, netClient(t), "http://"+hs.Addr+"/ghttp-test-nothing-here")
	assert.Equal(t, http.StatusNotFound, code)
}

func TestKeepAliveServesRequestsOnOneConnection(t *testing.T) {
	var conns atomic.Int32
	srv := &ghttp.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.URL.Path) }),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		},
	}
	hs := startServer(t, srv, false)
	c := netClient(t)
	for i := range 5 {
		code, body := get(t, c, fmt.Sprintf("http://%s/%d", hs.Addr, i))
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, fmt.Sprintf("/%d", i), body)
	}
	assert.Equal(t, int32(1), conns.Load())
}

func TestConnStateSequence(t *testing.T) {
	var mu sync.Mutex
	var states []http.ConnState
	srv := &ghttp.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			mu.Lock()
			states = append(states, st)
			mu.Unlock()
		},
	}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	_, err = io.ReadAll(c)
	require.NoError(t, err)
	waitFor(t, "StateClosed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(states) > 0 && states[len(states)-1] == http.StateClosed
	})
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []http.ConnState{http.StateNew, http.StateActive, http.StateIdle, http.StateActive, http.StateClosed}, states)
}

func TestFlushSendsBeforeTheHandlerReturns(t *testing.T) {
	var release event.Event
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first;")
		w.(http.Flusher).Flush()
		if err := release.Wait(r.Context()); err != nil {
			return
		}
		_, _ = io.WriteString(w, "second")
	})}
	hs := startServer(t, srv, false)
	resp, err := netClient(t).Get("http://" + hs.Addr + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
	first := make([]byte, len("first;"))
	_, err = io.ReadFull(resp.Body, first)
	require.NoError(t, err)
	assert.Equal(t, "first;", string(first), "read while the handler still waits")
	release.Set()
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "second", string(rest))
}

func TestHijackHandsOverTheSocket(t *testing.T) {
	var states sync.Map
	srv := &ghttp.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, buf, err := w.(http.Hijacker).Hijack()
			if !assert.NoError(t, err) {
				return
			}
			_, isSocket := c.(*socket.Conn)
			assert.True(t, isSocket, "the cooperative socket itself")
			_, _, err = w.(http.Hijacker).Hijack()
			assert.ErrorIs(t, err, http.ErrHijacked)
			_, err = w.Write([]byte("x"))
			assert.ErrorIs(t, err, http.ErrHijacked)
			// The handler returns; another greenlet owns the connection from now on.
			scheduler.Go(func() error {
				defer c.Close()
				line, err := buf.ReadString('\n')
				if err != nil {
					return err
				}
				_, err = io.WriteString(c, "echo: "+line)
				return err
			})
		}),
		ConnState: func(c net.Conn, st http.ConnState) { states.Store(st, true) },
		ErrorLog:  quietLog, // the Write after Hijack is logged
	}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\nhello after hijack\n")
	require.NoError(t, err)
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "echo: hello after hijack\n", string(got))
	_, hijacked := states.Load(http.StateHijacked)
	_, closed := states.Load(http.StateClosed)
	assert.True(t, hijacked)
	assert.False(t, closed, "a hijacked connection is not the server's to close")
}

// ctxEnd serves requests whose handler waits for its context and reports how the wait ended.
func ctxEnd(ended chan<- error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // the client sees the header: the handler runs
		ended <- scheduler.WaitContext(r.Context())
	})
}

func TestRequestContextCancelledWhenTheClientLeaves(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			ended := make(chan error, 1)
			hs := startServer(t, &ghttp.Server{Handler: ctxEnd(ended), TLSConfig: serverTLS(t)}, useTLS)
			var c net.Conn = netConnDial(t, hs.Addr)
			if useTLS {
				cfg := clientTLS(t)
				cfg.ServerName = "127.0.0.1"
				c = tls.Client(c, cfg)
			}
			_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			require.NoError(t, err)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			require.NoError(t, c.Close())
			select {
			case err := <-ended:
				assert.ErrorIs(t, err, context.Canceled)
			case <-time.After(5 * time.Second):
				t.Fatal("the handler's context was not cancelled")
			}
		})
	}
}

func TestRequestContextCancelledWhenTheHandlerReturns(t *testing.T) {
	ctxs := make(chan context.Context, 1)
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.NoError(t, r.Context().Err())
		assert.NotNil(t, r.Context().Value(http.LocalAddrContextKey))
		shadow, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
		if assert.True(t, ok) {
			assert.Same(t, quietLog, shadow.ErrorLog)
		}
		ctxs <- r.Context()
	}), ErrorLog: quietLog}
	hs := startServer(t, srv, false)
	code, _ := get(t, netClient(t), "http://"+hs.Addr+"/")
	assert.Equal(t, http.StatusOK, code)
	assert.ErrorIs(t, (<-ctxs).Err(), context.Canceled)
}

func TestCloseEndsHandlersAndCancelsTheirContexts(t *testing.T) {
	ended := make(chan error, 1)
	srv := &ghttp.Server{Handler: ctxEnd(ended)}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	_, err = http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.NoError(t, hs.Run(srv.Close))
	select {
	case err := <-ended:
		// Close cancels the context and kills the greenlet: whichever reaches the wait first.
		assert.True(t, errors.Is(err, context.Canceled) || errors.Is(err, scheduler.ErrGreenletExit), "%v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the handler")
	}
	_, err = io.ReadAll(br)
	assert.NoError(t, err, "the connection was closed")
}

func TestShutdownLetsActiveRequestsFinishAndClosesIdleOnes(t *testing.T) {
	var inHandler, release event.Event
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			inHandler.Set()
			_ = release.Wait(bg)
		}
		_, _ = io.WriteString(w, "done "+r.URL.Path)
	})}
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		serving := serveIn(srv, ln)
		addr := ln.Addr().String()
		// An idle keep-alive connection and an active request.
		idle, err := socket.Dial("tcp", addr)
		require.NoError(t, err)
		defer idle.Close()
		_, err = io.WriteString(idle, "GET /fast HTTP/1.1\r\nHost: a\r\n\r\n")
		require.NoError(t, err)
		idleR := bufio.NewReader(idle)
		resp, err := http.ReadResponse(idleR, nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		active, err := socket.Dial("tcp", addr)
		require.NoError(t, err)
		defer active.Close()
		_, err = io.WriteString(active, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
		require.NoError(t, err)
		require.NoError(t, inHandler.Wait(ctx))

		shut := scheduler.Spawn(func() (struct{}, error) { return struct{}{}, srv.Shutdown(ctx) })
		// The idle connection is closed at once; the active one is not.
		_, err = idleR.ReadByte()
		assert.ErrorIs(t, err, io.EOF)
		assert.False(t, shut.Ready())
		_, err = socket.DialTimeout("tcp", addr, time.Second)
		assert.Error(t, err, "the listener is closed")
		release.Set()
		resp, err = http.ReadResponse(bufio.NewReader(active), nil)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, "done /slow", string(body))
		assert.True(t, resp.Close, "answered with Connection: close")
		_, err = shut.Get(ctx)
		assert.NoError(t, err)
		return serving.Join(ctx)
	}))
}

func TestShutdownKillsWhatIsLeftWhenItsContextEnds(t *testing.T) {
	var inHandler event.Event
	deferred := false
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { deferred = true }()
		inHandler.Set()
		_ = scheduler.Sleep(bg, time.Hour)
	})}
	require.NoError(t, scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		serveIn(srv, ln)
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		require.NoError(t, err)
		require.NoError(t, inHandler.Wait(testctx.Within(t, 5*time.Second)))
		ctx, cancel := context.WithTimeout(bg, 20*ms)
		defer cancel()
		err = srv.Shutdown(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.EqualError(t, err, "ghttp: Server.Shutdown: context deadline exceeded", "named once, by the call")
		assert.True(t, deferred, "the handler was killed and its defers ran")
		_, err = io.ReadAll(c)
		assert.NoError(t, err, "its connection was closed")
		return nil
	}))
}

func TestSlowClientsAreCutOffByTimeouts(t *testing.T) {
	cases := []struct {
		name  string
		srv   *ghttp.Server
		write string // then the client stalls
	}{
		{name: "ReadHeaderTimeout", srv: &ghttp.Server{ReadHeaderTimeout: 30 * ms}, write: "GET / HTTP/1.1\r\nHost: a\r\n"},
		{name: "ReadTimeout in the header", srv: &ghttp.Server{ReadTimeout: 30 * ms}, write: "GET / HTTP/1.1\r\n"},
		{name: "IdleTimeout", srv: &ghttp.Server{IdleTimeout: 30 * ms}, write: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "nothing sent, ReadHeaderTimeout", srv: &ghttp.Server{ReadHeaderTimeout: 30 * ms}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
			hs := startServer(t, tc.srv, false)
			c := netConnDial(t, hs.Addr)
			_, err := io.WriteString(c, tc.write)
			require.NoError(t, err)
			// The server closes the connection: ReadAll ends with EOF before the client's
			// own deadline.
			require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
			_, err = io.ReadAll(c)
			assert.NoError(t, err)
		})
	}
}

func TestReadTimeoutEndsATricklingBody(t *testing.T) {
	bodyErr := make(chan error, 1)
	srv := &ghttp.Server{ReadTimeout: 50 * ms, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		bodyErr <- err
	})}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly a little")
	require.NoError(t, err)
	select {
	case err := <-bodyErr:
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	case <-time.After(5 * time.Second):
		t.Fatal("the body read did not time out")
	}
}

func TestWriteTimeoutEndsAResponseNobodyReads(t *testing.T) {
	writeErr := make(chan error, 1)
	srv := &ghttp.Server{WriteTimeout: 50 * ms, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("w"), 1<<16)
		for {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
	})}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	select {
	case err := <-writeErr:
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	case <-time.After(5 * time.Second):
		t.Fatal("the write did not time out")
	}
}

func TestMaxConnsLimitsTheConnectionsServed(t *testing.T) {
	p, err := pool.New(1)
	require.NoError(t, err)
	t.Run("MaxConns", func(t *testing.T) { testConnectionLimit(t, 1, nil) })
	t.Run("Pool", func(t *testing.T) { testConnectionLimit(t, 0, p) })
}

// testConnectionLimit checks that a server limited to one connection (by maxConns or p)
// serves a second only once the first is done.
func testConnectionLimit(t *testing.T, maxConns int, p *pool.Pool) {
	var served, accepted atomic.Int32
	var release event.Event
	srv := &ghttp.Server{
		MaxConns: maxConns,
		Pool:     p,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served.Add(1)
			if r.URL.Path == "/hold" {
				_ = release.Wait(bg)
			}
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				accepted.Add(1)
			}
		},
	}
	hs := startServer(t, srv, false)
	first := netConnDial(t, hs.Addr)
	_, err := io.WriteString(first, "GET /hold HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	waitFor(t, "the first request", func() bool { return served.Load() == 1 })
	second := netConnDial(t, hs.Addr)
	_, err = io.WriteString(second, "GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	// Accepted (StateNew comes before the wait for a slot), not served: the pool is full
	// while the first handler holds its slot.
	waitFor(t, "the second connection accepted", func() bool { return accepted.Load() == 2 })
	assert.Equal(t, int32(1), served.Load(), "the pool is full")
	release.Set()
	_, err = io.ReadAll(first)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(second), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int32(2), served.Load())
}

func TestServeTLSWithNetHTTPsClient(t *testing.T) {
	var logs logBuffer
	srv := &ghttp.Server{
		TLSConfig: serverTLS(t),
		ErrorLog:  log.New(&logs, "", 0),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if assert.NotNil(t, r.TLS) {
				assert.True(t, r.TLS.HandshakeComplete)
			}
			_, _ = io.WriteString(w, "over TLS")
		}),
	}
	hs := startServer(t, srv, true)
	c := netClient(t)
	for range 3 {
		code, body := get(t, c, "https://"+hs.Addr+"/")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, "over TLS", body)
	}
	// Plain HTTP to the TLS port: net/http's answer, and its log line.
	code, body := get(t, c, "http://"+hs.Addr+"/")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "Client sent an HTTP request to an HTTPS server.\n", body)
	assert.Contains(t, logs.String(), "http: TLS handshake error from 127.0.0.1:")
}

func TestPanicIsLoggedAsNetHTTPDoes(t *testing.T) {
	var logs logBuffer
	srv := &ghttp.Server{ErrorLog: log.New(&logs, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("boom")
	})}
	hs := startServer(t, srv, false)
	for _, path := range []string{"/abort", "/boom"} {
		_, err := netClient(t).Get("http://" + hs.Addr + path)
		assert.Error(t, err, "the connection closes without a response")
	}
	waitFor(t, "the panic's log line", func() bool { return strings.Contains(logs.String(), "panic serving") })
	assert.Contains(t, logs.String(), "http: panic serving 127.0.0.1:")
	assert.Contains(t, logs.String(), ": boom\n")
	assert.Equal(t, 1, strings.Count(logs.String(), "panic serving"), "ErrAbortHandler is not logged")
}

func TestSetKeepAlivesEnabledFalseClosesAfterEachResponse(t *testing.T) {
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	hs := startServer(t, srv, false)
	srv.SetKeepAlivesEnabled(false) // from a plain goroutine: goroutine-safe
	resp, err := netClient(t).Get("http://" + hs.Addr + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.True(t, resp.Close)
}

func TestHandlerMayRunBlockingCodeThroughRunBlocking(t *testing.T) {
	var fastDone atomic.Bool
	slowSawFast := make(chan bool, 1)
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fast" {
			fastDone.Store(true)
			return
		}
		// Blocking Go code, off the hub: the fast request is served meanwhile.
		_, err := scheduler.RunBlocking(r.Context(), func() (struct{}, error) {
			deadline := time.Now().Add(5 * time.Second)
			for !fastDone.Load() && time.Now().Before(deadline) {
				time.Sleep(ms)
			}
			return struct{}{}, nil
		})
		assert.NoError(t, err)
		slowSawFast <- fastDone.Load()
	})}
	hs := startServer(t, srv, false)
	slow := netConnDial(t, hs.Addr)
	_, err := io.WriteString(slow, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	code, _ := get(t, netClient(t), "http://"+hs.Addr+"/fast")
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, <-slowSawFast, "served while the slow handler's blocking code ran")
}

// TestBlockingDetectorNamesTheHandlerTimingSensitive has a handler hold the hub with
// time.Sleep for ten times the detector's threshold: the report must name the connection's
// greenlet and show the handler in its stack. Timing-sensitive because the detector samples
// the hub on a timer; the margin is wide.
func TestBlockingDetectorNamesTheHandlerTimingSensitive(t *testing.T) {
	reports := make(chan *scheduler.BlockingError, 4)
	srv := &ghttp.Server{Handler: http.HandlerFunc(holdTheHub)}
	hs := startServer(t, srv, false)
	require.NoError(t, hs.Run(func() error {
		h := scheduler.CurrentHub()
		h.SetBlockingThreshold(20 * ms)
		h.SetErrorHandler(func(err error) {
			var be *scheduler.BlockingError
			if errors.As(err, &be) {
				select {
				case reports <- be:
				default:
				}
			}
		})
		return nil
	}))
	code, _ := get(t, netClient(t), "http://"+hs.Addr+"/")
	assert.Equal(t, http.StatusOK, code)
	select {
	case be := <-reports:
		assert.Contains(t, be.Greenlet, "ghttp conn 127.0.0.1:")
		assert.Contains(t, be.Stack, "holdTheHub")
	case <-time.After(5 * time.Second):
		t.Fatal("no blocking report")
	}
}

// holdTheHub blocks its goroutine, and so the whole hub: the mistake the detector reports.
func holdTheHub(w http.ResponseWriter, r *http.Request) {
	time.Sleep(200 * ms)
}

func TestAnUnreadBodyDoesNotSpinTheLoop(t *testing.T) {
	iterations := make(chan uint64, 1)
	var entered event.Event
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			return // arms the watch, which then stays on the socket
		}
		// The body arrives while the handler waits without reading it: a watcher left on
		// the readable socket would wake the loop at every iteration meanwhile.
		entered.Set()
		h := scheduler.CurrentHub()
		before := h.Stats().Iterations
		_ = scheduler.Sleep(r.Context(), 50*ms)
		iterations <- h.Stats().Iterations - before
		_, _ = io.Copy(io.Discard, r.Body)
	})}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	br := bufio.NewReader(c)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n")
	require.NoError(t, err)
	_, err = http.ReadResponse(br, nil)
	require.NoError(t, err)
	waitFor(t, "the POST's handler", entered.IsSet)
	_, err = io.WriteString(c, "hello")
	require.NoError(t, err)
	select {
	case n := <-iterations:
		assert.Less(t, n, uint64(100), "loop iterations during a 50 ms wait")
	case <-time.After(5 * time.Second):
		t.Fatal("no answer")
	}
}

func TestAClientLeavingIsNoticedAfterAPipelinedRequest(t *testing.T) {
	ended := make(chan error, 1)
	iterations := make(chan uint64, 1)
	var entered event.Event
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			// The next request arrives while this handler waits: the watch sees data, and
			// must stand down rather than let the readiness spin the loop.
			entered.Set()
			h := scheduler.CurrentHub()
			before := h.Stats().Iterations
			_ = scheduler.Sleep(r.Context(), 50*ms)
			iterations <- h.Stats().Iterations - before
			return
		}
		w.(http.Flusher).Flush()
		ended <- scheduler.WaitContext(r.Context())
	})}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	waitFor(t, "the first handler", entered.IsSet)
	_, err = io.WriteString(c, "GET /second HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	for range 2 {
		_, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
	}
	assert.Less(t, <-iterations, uint64(100), "loop iterations during a 50 ms wait")
	// The second handler runs, its request read from the socket: the watch is armed again.
	require.NoError(t, c.Close())
	select {
	case err := <-ended:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("the second handler's context was not cancelled")
	}
}

func TestHijackKeepsTheByteTheTLSWatchRead(t *testing.T) {
	srv := &ghttp.Server{TLSConfig: serverTLS(t), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		// The client sends more while the handler runs: the watch reads its first byte
		// through crypto/tls (it could have been a close_notify).
		ctx := testctx.Within(t, 5*time.Second)
		for !ghttp.HasStashedByte(w) {
			if err := scheduler.Sleep(ctx, ms); err != nil {
				t.Error("the watch read nothing")
				return
			}
		}
		c, buf, err := w.(http.Hijacker).Hijack()
		if !assert.NoError(t, err) {
			return
		}
		defer c.Close()
		line, err := buf.ReadString('\n')
		assert.NoError(t, err)
		_, err = io.WriteString(c, "got: "+line)
		assert.NoError(t, err)
	})}
	hs := startServer(t, srv, true)
	cfg := clientTLS(t)
	cfg.ServerName = "127.0.0.1"
	c := tls.Client(netConnDial(t, hs.Addr), cfg)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	_, err = http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, err = io.WriteString(c, "PING\n")
	require.NoError(t, err)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "got: PING\n", line)
}

func TestAResponseWriterOutlivingItsHandlerFails(t *testing.T) {
	late := make(chan error, 2)
	srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "from the handler")
		scheduler.Go(func() error { // runs once the handler has returned
			_, err := io.WriteString(w, "too late")
			late <- err
			late <- http.NewResponseController(w).Flush()
			return nil
		})
	})}
	hs := startServer(t, srv, false)
	code, body := get(t, netClient(t), "http://"+hs.Addr+"/")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "from the handler", body)
	for range 2 {
		assert.ErrorIs(t, <-late, ghttp.ErrHandlerReturned)
	}
}
