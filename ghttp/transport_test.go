package ghttp_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// inHub runs fn as the main greenlet of a new hub.
func inHub(t *testing.T, fn func(ctx context.Context) error) {
	t.Helper()
	require.NoError(t, scheduler.Main(func() error { return fn(testctx.Within(t, 10*time.Second)) }))
}

// connCounter counts the connections an httptest server opened and closed.
type connCounter struct{ opened, closed atomic.Int32 }

func (cc *connCounter) hook(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		cc.opened.Add(1)
	case http.StateClosed, http.StateHijacked:
		cc.closed.Add(1)
	}
}

// newHTTPTest starts an httptest server (TLS when useTLS) whose connections cc counts.
func newHTTPTest(t *testing.T, h http.Handler, useTLS bool, cc *connCounter) *httptest.Server {
	ts := httptest.NewUnstartedServer(h)
	if cc != nil {
		ts.Config.ConnState = cc.hook
	}
	if useTLS {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts
}

// transportFor is a Transport that trusts ts's certificate.
func transportFor(ts *httptest.Server) *ghttp.Transport {
	tr := &ghttp.Transport{}
	if ts.TLS != nil {
		tr.TLSClientConfig = ts.Client().Transport.(*http.Transport).TLSClientConfig
	}
	return tr
}

// readAll reads and closes a response's body.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// eventually polls cond from a greenlet, sleeping a millisecond between tries, until it holds
// or ctx ends.
func eventually(ctx context.Context, cond func() bool) error {
	for !cond() {
		if err := scheduler.Sleep(ctx, ms); err != nil {
			return err
		}
	}
	return nil
}

// testMux is what the Transport's tests ask httptest servers.
func testMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %q close=%v", r.Method, r.Header.Get("X-Test"), b, r.Close)
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		for i := range 3 {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Sum", "3")
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/hello", http.StatusFound) })
	return mux
}

func TestTransportAgainstHTTPTest(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			var cc connCounter
			ts := newHTTPTest(t, testMux(), useTLS, &cc)
			c := &http.Client{Transport: transportFor(ts)}
			inHub(t, func(ctx context.Context) error {
				resp, err := c.Get(ts.URL + "/hello")
				require.NoError(t, err)
				assert.Equal(t, "hello", readAll(t, resp))
				assert.Equal(t, useTLS, resp.TLS != nil)

				req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/echo", strings.NewReader("payload"))
				require.NoError(t, err)
				req.Header.Set("X-Test", "yes")
				resp, err = c.Do(req)
				require.NoError(t, err)
				assert.Equal(t, `POST yes "payload" close=false`, readAll(t, resp))

				resp, err = c.Get(ts.URL + "/stream")
				require.NoError(t, err)
				assert.Equal(t, "part0;part1;part2;", readAll(t, resp))
				assert.Equal(t, "3", resp.Trailer.Get("X-Sum"))

				resp, err = c.Head(ts.URL + "/hello")
				require.NoError(t, err)
				assert.Equal(t, "", readAll(t, resp))
				resp, err = c.Get(ts.URL + "/nocontent")
				require.NoError(t, err)
				assert.Equal(t, http.StatusNoContent, resp.StatusCode)
				_ = readAll(t, resp)
				resp, err = c.Get(ts.URL + "/redirect")
				require.NoError(t, err)
				assert.Equal(t, "hello", readAll(t, resp))
				return nil
			})
			assert.Equal(t, int32(1), cc.opened.Load(), "every request on one kept-alive connection")
		})
	}
}

func TestTransportClosesAConnectionWhoseBodyIsClosedEarly(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := c.Get(ts.URL + "/stream")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		_, err = resp.Body.Read(make([]byte, 1))
		assert.Error(t, err)
		resp, err = c.Get(ts.URL + "/hello")
		require.NoError(t, err)
		assert.Equal(t, "hello", readAll(t, resp))
		return nil
	})
	assert.Equal(t, int32(2), cc.opened.Load())
}

func TestTransportMaxConnsPerHostBoundsConcurrency(t *testing.T) {
	var cc connCounter
	var inFlight, peak atomic.Int32
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * ms) // server side, on its own goroutine: overlap the requests
		inFlight.Add(-1)
	}), false, &cc)
	c := &http.Client{Transport: &ghttp.Transport{MaxConnsPerHost: 2, MaxIdleConnsPerHost: 2}}
	inHub(t, func(ctx context.Context) error {
		var gs []*scheduler.Greenlet[int]
		for range 8 {
			gs = append(gs, scheduler.Spawn(func() (int, error) {
				resp, err := c.Get(ts.URL)
				if err != nil {
					return 0, err
				}
				_, err = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				return resp.StatusCode, err
			}))
		}
		_, err := scheduler.JoinAll(ctx, gs)
		require.NoError(t, err)
		for _, g := range gs {
			assert.Equal(t, http.StatusOK, g.Value())
		}
		return nil
	})
	assert.LessOrEqual(t, peak.Load(), int32(2))
	assert.LessOrEqual(t, cc.opened.Load(), int32(2))
}

// blockingServer answers only once release is closed; entered counts the requests it got.
func blockingServer(t *testing.T) (ts *httptest.Server, entered *atomic.Int32) {
	release := make(chan struct{})
	entered = new(atomic.Int32)
	ts = newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), false, nil)
	t.Cleanup(func() { close(release) }) // before ts.Close, which waits for the handlers
	return ts, entered
}

func TestTransportRequestCancelledFromAnotherGreenlet(t *testing.T) {
	ts, entered := blockingServer(t)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, ts.URL, nil)
		require.NoError(t, err)
		g := scheduler.Spawn(func() (error, error) {
			_, err := c.Do(req)
			return err, nil
		})
		require.NoError(t, eventually(ctx, func() bool { return entered.Load() == 1 }))
		cancel()
		err, _ = g.Get(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		return nil
	})
}

func TestTransportRequestContextDeadline(t *testing.T) {
	ts, _ := blockingServer(t)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		rctx, cancel := context.WithTimeout(ctx, 30*ms)
		defer cancel()
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, ts.URL, nil)
		require.NoError(t, err)
		_, err = c.Do(req)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		return nil
	})
}

func TestClientTimeoutEndsTheRequestOnTheHub(t *testing.T) {
	ts, _ := blockingServer(t)
	c := &http.Client{Transport: &ghttp.Transport{}, Timeout: 30 * ms}
	inHub(t, func(ctx context.Context) error {
		// Another greenlet keeps running while the request waits: the hub is not blocked.
		var ticks atomic.Int32
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(ctx, ms); err != nil {
					return nil
				}
				ticks.Add(1)
			}
		})
		defer func() { _ = ticker.Kill(ctx, nil) }()
		_, err := c.Get(ts.URL)
		var ue *url.Error
		require.ErrorAs(t, err, &ue)
		assert.True(t, ue.Timeout())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Positive(t, ticks.Load())
		return nil
	})
}

func TestTransportResponseHeaderTimeout(t *testing.T) {
	ts, _ := blockingServer(t)
	c := &http.Client{Transport: &ghttp.Transport{ResponseHeaderTimeout: 30 * ms}}
	inHub(t, func(ctx context.Context) error {
		_, err := c.Get(ts.URL)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorContains(t, err, "timeout awaiting response headers")
		return nil
	})
}

func TestTransportBodyIsReadCooperatively(t *testing.T) {
	release := make(chan struct{})
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "early;")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "late")
	}), false, nil)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := c.Get(ts.URL)
		require.NoError(t, err)
		first := make([]byte, len("early;"))
		_, err = io.ReadFull(resp.Body, first)
		require.NoError(t, err)
		// This greenlet blocks in the read below; the other one runs meanwhile and lets the
		// server finish.
		var ran atomic.Bool
		scheduler.Go(func() error {
			ran.Store(true)
			close(release)
			return nil
		})
		assert.Equal(t, "late", readAll(t, resp))
		assert.True(t, ran.Load())
		return nil
	})
}

// rawServer accepts connections on a goroutine and runs serve on each.
func rawServer(t *testing.T, serve func(n int, c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				serve(n, c)
			})
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

func TestTransportRetriesAGETOnAConnectionTheServerClosed(t *testing.T) {
	var conns atomic.Int32
	base := rawServer(t, func(n int, c net.Conn) {
		conns.Add(1)
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nconn%d;", n)
		// The second request on the connection is read, then the connection closes
		// unanswered, as a server closing an idle connection at that moment does.
		_, _ = http.ReadRequest(br)
	})
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := c.Get(base)
		require.NoError(t, err)
		assert.Equal(t, "conn0;", readAll(t, resp))
		resp, err = c.Get(base)
		require.NoError(t, err, "made again on a new connection")
		assert.Equal(t, "conn1;", readAll(t, resp))
		// A POST without GetBody cannot be replayed.
		resp, err = c.Post(base, "text/plain", io.NopCloser(strings.NewReader("x")))
		if err == nil {
			_ = readAll(t, resp)
			_, err = c.Post(base, "text/plain", io.NopCloser(strings.NewReader("x")))
		}
		assert.Error(t, err)
		return nil
	})
	assert.GreaterOrEqual(t, conns.Load(), int32(2))
}

func TestTransportSkipsInformationalResponses(t *testing.T) {
	base := rawServer(t, func(_ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"+
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfinal")
	})
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := c.Get(base)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "final", readAll(t, resp))
		return nil
	})
}

func TestTransportSwitchingProtocolsGivesTheConnection(t *testing.T) {
	base := rawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		line, _ := br.ReadString('\n')
		_, _ = io.WriteString(c, "echo "+line)
	})
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error { return upgradeEcho(t, ctx, c, base) })
}

// upgradeEcho asks url to switch to the "echo" protocol, sends a line on the switched
// connection, checks the echo and closes it.
func upgradeEcho(t *testing.T, ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "echo")
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	rw, ok := resp.Body.(io.ReadWriteCloser)
	require.True(t, ok)
	_, err = io.WriteString(rw, "ping\n")
	require.NoError(t, err)
	got, err := bufio.NewReader(rw).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "echo ping\n", got)
	return rw.Close()
}

func TestTransportIdleConnTimeoutClosesIdleConnections(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	c := &http.Client{Transport: &ghttp.Transport{IdleConnTimeout: 20 * ms}}
	inHub(t, func(ctx context.Context) error {
		resp, err := c.Get(ts.URL + "/hello")
		require.NoError(t, err)
		_ = readAll(t, resp)
		return eventually(ctx, func() bool { return cc.closed.Load() == 1 })
	})
}

func TestTransportKeepsAtMostMaxIdleConnsPerHost(t *testing.T) {
	var cc connCounter
	var entered atomic.Int32
	all := make(chan struct{})
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if entered.Add(1) == 3 {
			close(all) // three connections are open at once
		}
		<-all
	}), false, &cc)
	tr := &ghttp.Transport{MaxIdleConnsPerHost: 1}
	c := &http.Client{Transport: tr}
	inHub(t, func(ctx context.Context) error {
		var gs []*scheduler.Greenlet[struct{}]
		for range 3 {
			gs = append(gs, scheduler.Go(func() error {
				resp, err := c.Get(ts.URL)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				return err
			}))
		}
		_, err := scheduler.JoinAll(ctx, gs)
		require.NoError(t, err)
		require.NoError(t, eventually(ctx, func() bool { return cc.closed.Load() == 2 }), "two of three closed")
		// CloseIdleConnections from another goroutine closes the last one.
		_, err = scheduler.RunBlocking(ctx, func() (struct{}, error) {
			tr.CloseIdleConnections()
			return struct{}{}, nil
		})
		require.NoError(t, err)
		return eventually(ctx, func() bool { return cc.closed.Load() == 3 })
	})
}

func TestTransportDisableKeepAlives(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	c := &http.Client{Transport: &ghttp.Transport{DisableKeepAlives: true}}
	inHub(t, func(ctx context.Context) error {
		for range 2 {
			resp, err := c.Get(ts.URL + "/echo")
			require.NoError(t, err)
			assert.Equal(t, `GET  "" close=true`, readAll(t, resp))
		}
		return nil
	})
	assert.Equal(t, int32(2), cc.opened.Load())
}

func TestTransportHearsAnEarlyResponseWhileUploading(t *testing.T) {
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge) // without reading the body
	}), false, nil)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := c.Post(ts.URL, "application/octet-stream", bytes.NewReader(make([]byte, 8<<20)))
		require.NoError(t, err)
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		assert.Equal(t, "too large\n", readAll(t, resp))
		return nil
	})
}

func TestTransportTLSHandshakeTimeout(t *testing.T) {
	silent := rawServer(t, func(_ int, c net.Conn) {
		_, _ = io.Copy(io.Discard, c) // accepts, never answers
	})
	c := &http.Client{Transport: &ghttp.Transport{TLSHandshakeTimeout: 30 * ms}}
	inHub(t, func(ctx context.Context) error {
		_, err := c.Get(strings.Replace(silent, "http:", "https:", 1))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorContains(t, err, "TLS handshake timeout")
		return nil
	})
}

func TestTransportMaxResponseHeaderBytes(t *testing.T) {
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("h", 8000))
	}), false, nil)
	c := &http.Client{Transport: &ghttp.Transport{MaxResponseHeaderBytes: 4096}}
	inHub(t, func(ctx context.Context) error {
		_, err := c.Get(ts.URL)
		assert.ErrorContains(t, err, "server response headers exceeded 4096 bytes")
		return nil
	})
}

func TestTransportRebindsToTheNextHubAfterItsHubIsDestroyed(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	c := &http.Client{Transport: &ghttp.Transport{}}
	for range 2 {
		inHub(t, func(ctx context.Context) error {
			resp, err := c.Get(ts.URL + "/hello")
			require.NoError(t, err)
			assert.Equal(t, "hello", readAll(t, resp))
			return nil
		})
	}
}

// closeRecorder is a request body that records its Close.
type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error {
	c.closed.Store(true)
	return nil
}

func TestTransportOutsideAHubFails(t *testing.T) {
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", body)
	require.NoError(t, err)
	_, err = (&ghttp.Transport{}).RoundTrip(req)
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	assert.True(t, body.closed.Load(), "the body is closed on errors too")
	assert.Nil(t, scheduler.CurrentHub(), "no hub was created")
}

func TestTransportRefusesBadRequests(t *testing.T) {
	tr := &ghttp.Transport{}
	var nilTr *ghttp.Transport
	_, err := nilTr.RoundTrip(&http.Request{})
	assert.ErrorIs(t, err, scheduler.ErrNilArgument)
	_, err = tr.RoundTrip(nil)
	assert.ErrorIs(t, err, scheduler.ErrNilArgument)
	inHub(t, func(ctx context.Context) error {
		mk := func(method, u string, h http.Header) *http.Request {
			r, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://a/", nil)
			require.NoError(t, err)
			r.Method = method
			r.URL, _ = url.Parse(u)
			r.Header = h
			return r
		}
		for name, tc := range map[string]struct {
			req  *http.Request
			want string
		}{
			"nil URL":     {&http.Request{Header: http.Header{}}, "nil Request.URL"},
			"nil Header":  {mk("GET", "http://a/", nil), "nil Request.Header"},
			"scheme":      {mk("GET", "ftp://a/", http.Header{}), "unsupported protocol scheme"},
			"no host":     {mk("GET", "http:///x", http.Header{}), "no Host in request URL"},
			"method":      {mk("G T", "http://a/", http.Header{}), "invalid method"},
			"header name": {mk("GET", "http://a/", http.Header{"X Y": {"v"}}), "invalid header field name"},
			"header value": {mk("GET", "http://a/", http.Header{"X": {"a\nb"}}),
				"invalid header field value"},
		} {
			_, err := tr.RoundTrip(tc.req)
			assert.ErrorContains(t, err, tc.want, name)
			var ge *ghttp.Error
			assert.ErrorAs(t, err, &ge, name)
		}
		return nil
	})
}

func TestTransportDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		_, err := c.Get("http://" + addr)
		assert.Error(t, err)
		assert.False(t, errors.Is(err, scheduler.ErrTimeout))
		return nil
	})
}

var errBodySource = errors.New("test: body source failed")

// failingBody reads from r and fails where r ends.
type failingBody struct{ r io.Reader }

func (b *failingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, errBodySource
	}
	return n, err
}

// A request body that fails mid-upload, or is shorter than its ContentLength, ends RoundTrip
// with that error, as net/http's Transport does (errors.Is sees the body's own error, which
// Request.Write wraps in a type without Unwrap). The server waits for the rest of the body, so
// RoundTrip used to wait for the response until its context ended (for good without one).
func TestTransportRequestBodyFailureEndsTheRequest(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	for _, tc := range []struct {
		name  string
		body  func() io.Reader
		check func(t *testing.T, err error)
	}{
		{"read error", func() io.Reader { return &failingBody{strings.NewReader("hello")} }, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, errBodySource)
		}},
		{"short body", func() io.Reader { return io.NopCloser(strings.NewReader("hello")) }, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "ContentLength=10 with Body length 5")
		}},
	} {
		for _, rt := range []http.RoundTripper{&ghttp.Transport{}, &http.Transport{}} {
			t.Run(fmt.Sprintf("%s/%T", tc.name, rt), func(t *testing.T) {
				c := &http.Client{Transport: rt}
				inHub(t, func(ctx context.Context) error {
					req, err := http.NewRequestWithContext(testctx.Within(t, 10*time.Second),
						http.MethodPost, ts.URL+"/echo", tc.body())
					require.NoError(t, err)
					req.ContentLength = 10
					_, err = c.Do(req)
					require.Error(t, err)
					require.NoError(t, req.Context().Err(), "RoundTrip waited for its deadline: %v", err)
					tc.check(t, err)
					return nil
				})
			})
		}
	}
}

// Bytes a server sent after a response's end, unasked, are not taken for the next request's
// response: the connection is not reused (net/http's Transport closes it too, once its read
// loop finds them).
func TestTransportDoesNotReuseAConnectionWithStrayBytes(t *testing.T) {
	base := rawServer(t, func(n int, c net.Conn) {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if n == 0 { // the answer, then a response nobody asked for, in one write
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"+
					"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
				continue
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
		}
	})
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := c.Get(base + "/1")
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		resp, err = c.Get(base + "/2")
		require.NoError(t, err)
		assert.Equal(t, "fresh", readAll(t, resp), "the second request got the stray bytes")
		c.CloseIdleConnections()
		return nil
	})
}

// yieldingBody is a cooperative request body: its first Read yields to the hub, which only a
// greenlet can.
type yieldingBody struct {
	yielded bool
	rest    string
}

func (b *yieldingBody) Read(p []byte) (int, error) {
	if !b.yielded {
		if err := scheduler.Sleep(context.Background(), 0); err != nil {
			return 0, err
		}
		b.yielded, b.rest = true, "payload"
	}
	if b.rest == "" {
		return 0, io.EOF
	}
	n := copy(p, b.rest)
	b.rest = b.rest[n:]
	return n, nil
}

// A DELETE (or GET, HEAD...) with a body of unknown length: Request.Write probes its first
// byte from a goroutine of its own, where a cooperative body fails (or, waiting, blocks the
// hub); the Transport probes it in the writer greenlet instead.
func TestTransportProbesAnUnknownLengthBodyInAGreenlet(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, ts.URL+"/echo", io.NopCloser(&yieldingBody{}))
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		assert.Equal(t, `DELETE  "payload" close=false`, readAll(t, resp))
		return nil
	})
}
