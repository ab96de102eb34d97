package ghttp_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// The tests of this file hold the Transport to net/http's Transport, the reference: where a
// case runs for both (forBoth), the two must agree.

// forBoth runs fn in a hub once with a ghttp.Transport and once with net/http's Transport,
// each made by mk (nil: the zero one), as subtests. net/http's Transport blocks the hub's
// thread while it waits, which these cases allow: their servers run on goroutines.
func forBoth(t *testing.T, mk func(*ghttp.Transport, *http.Transport), fn func(t *testing.T, ctx context.Context, rt http.RoundTripper)) {
	t.Helper()
	for _, name := range []string{"ghttp", "net/http"} {
		t.Run(name, func(t *testing.T) {
			gt, nt := &ghttp.Transport{}, &http.Transport{}
			if mk != nil {
				mk(gt, nt)
			}
			rt := http.RoundTripper(gt)
			if name == "net/http" {
				rt = nt
			}
			inHub(t, func(ctx context.Context) error {
				defer rt.(interface{ CloseIdleConnections() }).CloseIdleConnections()
				fn(t, ctx, rt)
				return nil
			})
		})
	}
}

// doReq makes a request with ctx and returns the response or the error.
func doReq(ctx context.Context, c *http.Client, method, u string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

// Responses without a body (to HEAD with a Content-Length, 204, 304) give the connection back
// at once: every request here goes on one.
func TestTransportAuditBodilessResponsesKeepTheConnection(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/head", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		_, _ = io.WriteString(w, "hello")
	})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	var cc connCounter
	ts := newHTTPTest(t, mux, false, &cc)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := doReq(ctx, c, http.MethodHead, ts.URL+"/head", nil)
		require.NoError(t, err)
		assert.Equal(t, int64(5), resp.ContentLength)
		assert.Equal(t, "", readAll(t, resp))
		for _, path := range []string{"/204", "/304"} {
			resp, err = doReq(ctx, c, http.MethodGet, ts.URL+path, nil)
			require.NoError(t, err, path)
			assert.Equal(t, "", readAll(t, resp), path)
		}
		resp, err = doReq(ctx, c, http.MethodGet, ts.URL+"/head", nil)
		require.NoError(t, err)
		assert.Equal(t, "hello", readAll(t, resp))
		return nil
	})
	assert.Equal(t, int32(1), cc.opened.Load(), "every request on one connection")
}

// keepServing answers every request on a connection with resp, ignoring its own
// "Connection: close", so that only the client's decision keeps a connection from being reused;
// it counts the connections.
func keepServing(t *testing.T, resp string, conns *atomic.Int32) string {
	return rawServer(t, func(_ int, c net.Conn) {
		conns.Add(1)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, resp); err != nil {
				return
			}
		}
	})
}

// A response saying "Connection: close" closes the connection even when the server would go
// on.
func TestTransportAuditConnectionCloseIsNotReused(t *testing.T) {
	var conns atomic.Int32
	base := keepServing(t, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", &conns)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		for range 2 {
			resp, err := doReq(ctx, c, http.MethodGet, base, nil)
			require.NoError(t, err)
			assert.True(t, resp.Close)
			assert.Equal(t, "ok", readAll(t, resp))
		}
		return nil
	})
	assert.Equal(t, int32(2), conns.Load())
}

// An HTTP/1.0 response without Content-Length has a body up to the close: read whole, and the
// next request on a new connection.
func TestTransportAuditHTTP10BodyToEOF(t *testing.T) {
	var conns atomic.Int32
	base := rawServer(t, func(_ int, c net.Conn) {
		conns.Add(1)
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody to the end")
	})
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		for range 2 {
			resp, err := doReq(ctx, c, http.MethodGet, base, nil)
			require.NoError(t, err)
			assert.True(t, resp.Close)
			assert.Equal(t, int64(-1), resp.ContentLength)
			assert.Equal(t, "body to the end", readAll(t, resp))
		}
		return nil
	})
	assert.Equal(t, int32(2), conns.Load())
}

// "Expect: 100-continue" through http.Client: the body goes at once (ExpectContinueTimeout zero
// in net/http's terms), the 100 is skipped, a refusal is the response.
func TestTransportAuditExpectContinue(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/refuse", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusExpectationFailed) // without reading the body
	})
	ts := newHTTPTest(t, mux, false, nil)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/echo", strings.NewReader("payload"))
		require.NoError(t, err)
		req.Header.Set("Expect", "100-continue")
		resp, err := c.Do(req)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "payload", readAll(t, resp))

		req, err = http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/refuse", strings.NewReader("payload"))
		require.NoError(t, err)
		req.Header.Set("Expect", "100-continue")
		resp, err = c.Do(req)
		require.NoError(t, err)
		assert.Equal(t, http.StatusExpectationFailed, resp.StatusCode)
		_ = readAll(t, resp)

		resp, err = doReq(ctx, c, http.MethodPost, ts.URL+"/echo", strings.NewReader("after"))
		require.NoError(t, err)
		assert.Equal(t, "after", readAll(t, resp))
		return nil
	})
}

// A body read after Close fails in net/http's words, whether Close came early or after EOF.
func TestTransportAuditReadAfterClose(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		c := &http.Client{Transport: rt}
		resp, err := doReq(ctx, c, http.MethodGet, ts.URL+"/stream", nil)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		_, err = resp.Body.Read(make([]byte, 1))
		assert.EqualError(t, err, "http: read on closed response body")
		resp, err = doReq(ctx, c, http.MethodGet, ts.URL+"/hello", nil)
		require.NoError(t, err)
		assert.Equal(t, "hello", readAll(t, resp))
		require.NoError(t, resp.Body.Close())
		_, err = resp.Body.Read(make([]byte, 1))
		assert.EqualError(t, err, "http: read on closed response body", "after EOF too")
	})
}

// heldServer sends a response header and the first part of a body, then holds the request
// until the test ends or the client goes.
func heldServer(t *testing.T, cc *connCounter) *httptest.Server {
	release := make(chan struct{})
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hello" {
			_, _ = io.WriteString(w, "hello")
			return
		}
		_, _ = io.WriteString(w, "early;")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), false, cc)
	t.Cleanup(func() { close(release) }) // before ts.Close, which waits for the handlers
	return ts
}

// A request over MaxConnsPerHost waits for a connection within its context; a cancel or a
// deadline while it waits ends it with the context's error and leaves the slot alone.
func TestTransportAuditMaxConnsPerHostWaitIsBoundedByTheContext(t *testing.T) {
	var cc connCounter
	ts := heldServer(t, &cc)
	c := &http.Client{Transport: &ghttp.Transport{MaxConnsPerHost: 1}}
	inHub(t, func(ctx context.Context) error {
		held, err := doReq(ctx, c, http.MethodGet, ts.URL+"/held", nil)
		require.NoError(t, err)

		dctx, cancel := context.WithTimeout(ctx, 20*ms)
		defer cancel()
		_, err = doReq(dctx, c, http.MethodGet, ts.URL+"/hello", nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.Regexp(t, `: ghttp: Transport.RoundTrip: context deadline exceeded$`, err, "named once, by the call")

		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		waiting := scheduler.Spawn(func() (error, error) {
			_, err := doReq(cctx, c, http.MethodGet, ts.URL+"/hello", nil)
			return err, nil
		})
		scheduler.Go(func() error { cancel(); return nil }) // runs once the request waits
		err, _ = waiting.Get(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Regexp(t, `: ghttp: Transport.RoundTrip: context canceled$`, err, "named once, by the call")

		var started atomic.Bool
		later := scheduler.Spawn(func() (string, error) {
			started.Store(true) // and nothing yields from here to the wait for the slot
			resp, err := doReq(ctx, c, http.MethodGet, ts.URL+"/hello", nil)
			if err != nil {
				return "", err
			}
			b, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			return string(b), err
		})
		require.NoError(t, eventually(ctx, started.Load))
		require.NoError(t, held.Body.Close()) // frees the slot: the waiting request dials
		got, err := later.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, "hello", got)
		return nil
	})
	assert.Equal(t, int32(2), cc.opened.Load())
}

// An idle connection the server closed is not used: the next request, even one that cannot
// be replayed, goes on a new connection. (net/http's Transport learns of the close from its
// read loop, a goroutine: right after the close it may still pick the connection and fail the
// POST with "http: server closed idle connection". The peek at the idle socket rules that out.)
func TestTransportAuditServerClosedIdleConnection(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := doReq(ctx, c, http.MethodGet, ts.URL+"/hello", nil)
		require.NoError(t, err)
		assert.Equal(t, "hello", readAll(t, resp))
		ts.CloseClientConnections()
		require.NoError(t, eventually(ctx, func() bool { return cc.closed.Load() == 1 }))
		resp, err = doReq(ctx, c, http.MethodPost, ts.URL+"/echo", io.NopCloser(strings.NewReader("x")))
		require.NoError(t, err)
		assert.Equal(t, `POST  "x" close=false`, readAll(t, resp))
		return nil
	})
	assert.Equal(t, int32(2), cc.opened.Load())
}

// http.Client follows a 307 or 308 with the body again, from GetBody.
func TestTransportAuditRedirectResendsTheBody(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/307", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/echo", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/308", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/echo", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %q", r.Method, b)
	})
	ts := newHTTPTest(t, mux, false, nil)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		for _, path := range []string{"/307", "/308"} {
			resp, err := doReq(ctx, c, http.MethodPut, ts.URL+path, strings.NewReader("payload"))
			require.NoError(t, err)
			assert.Equal(t, `PUT "payload"`, readAll(t, resp), path)
		}
		// Without GetBody the client cannot follow: it returns the redirect.
		resp, err := doReq(ctx, c, http.MethodPut, ts.URL+"/307", io.NopCloser(strings.NewReader("payload")))
		require.NoError(t, err)
		assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
		_ = readAll(t, resp)
		return nil
	})
}

// A context cancelled or expired while the body is read ends the read with the context's
// error, and the connection is not reused.
func TestTransportAuditContextEndsTheBodyRead(t *testing.T) {
	var cc connCounter
	ts := heldServer(t, &cc)
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		resp, err := doReq(cctx, c, http.MethodGet, ts.URL+"/held", nil)
		require.NoError(t, err)
		first := make([]byte, len("early;"))
		_, err = io.ReadFull(resp.Body, first)
		require.NoError(t, err)
		scheduler.Go(func() error { cancel(); return nil }) // runs once the read below waits
		_, err = resp.Body.Read(make([]byte, 10))
		assert.ErrorIs(t, err, context.Canceled)
		_, err = resp.Body.Read(make([]byte, 10))
		assert.ErrorIs(t, err, context.Canceled, "and again")
		require.NoError(t, resp.Body.Close())

		// Timing-sensitive: the header must come within the deadline, which is generous for
		// a server on the same machine, however loaded.
		dctx, cancel2 := context.WithTimeout(ctx, 200*ms)
		defer cancel2()
		resp, err = doReq(dctx, c, http.MethodGet, ts.URL+"/held", nil)
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, resp.Body.Close())

		resp, err = doReq(ctx, c, http.MethodGet, ts.URL+"/hello", nil)
		require.NoError(t, err)
		assert.Equal(t, "hello", readAll(t, resp))
		return nil
	})
	assert.Equal(t, int32(3), cc.opened.Load(), "no connection reused after a cut body")
}

// A body Read that the request's context ends (a cancel, a deadline; gzip-decoded or not)
// returns an *Error naming the read, as RoundTrip names its own, wrapping the context's end:
// errors.Is finds context.Canceled, or for a deadline context.DeadlineExceeded and
// scheduler.ErrTimeout, and os.IsTimeout holds. net/http's body returns the bare context error.
func TestTransportBodyReadEndedByTheContextNamesTheRead(t *testing.T) {
	release := make(chan struct{})
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var out io.Writer = w
		if r.URL.Path == "/gzip" {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			defer zw.Close()
			out = zw
		}
		_, _ = io.WriteString(out, "early;")
		if zw, ok := out.(*gzip.Writer); ok {
			_ = zw.Flush()
		}
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), false, nil)
	t.Cleanup(func() { close(release) }) // before ts.Close, which waits for the handlers
	c := &http.Client{Transport: &ghttp.Transport{}}
	for _, path := range []string{"/plain", "/gzip"} {
		for _, end := range []string{"cancel", "deadline"} {
			inHub(t, func(ctx context.Context) error {
				// Timing-sensitive for the deadline: the header and the first bytes must come
				// within 200 ms, which is generous for a server on the same machine.
				rctx, cancel := context.WithTimeout(ctx, 200*ms)
				if end == "cancel" {
					rctx, cancel = context.WithCancel(ctx)
				}
				defer cancel()
				resp, err := doReq(rctx, c, http.MethodGet, ts.URL+path, nil)
				require.NoError(t, err)
				defer resp.Body.Close()
				first := make([]byte, len("early;"))
				_, err = io.ReadFull(resp.Body, first)
				require.NoError(t, err, path)
				if end == "cancel" {
					scheduler.Go(func() error { cancel(); return nil }) // runs once the read waits
				}
				_, err = io.ReadAll(resp.Body)
				var ge *ghttp.Error
				if assert.ErrorAs(t, err, &ge, path+" "+end) {
					assert.Equal(t, "response body Read", ge.Op, path+" "+end)
				}
				if end == "cancel" {
					assert.ErrorIs(t, err, context.Canceled, path)
					assert.EqualError(t, err, "ghttp: response body Read: context canceled", path)
					return nil
				}
				assert.ErrorIs(t, err, context.DeadlineExceeded, path)
				assert.ErrorIs(t, err, scheduler.ErrTimeout, path)
				assert.True(t, os.IsTimeout(err), path)
				assert.EqualError(t, err, "ghttp: response body Read: context deadline exceeded", path)
				return nil
			})
		}
	}
}

// A refused dial is the socket's *net.OpError, matching syscall.ECONNREFUSED.
func TestTransportAuditDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		_, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, "http://"+addr, nil)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		var oe *net.OpError
		assert.ErrorAs(t, err, &oe)
	})
}

// A certificate nobody vouches for fails the handshake with crypto/tls's and crypto/x509's
// errors in the chain.
func TestTransportAuditTLSHandshakeFailure(t *testing.T) {
	ts := httptest.NewUnstartedServer(testMux())
	ts.Config.ErrorLog = quietLog // the refused certificate
	ts.StartTLS()
	t.Cleanup(ts.Close)
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		_, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, ts.URL, nil)
		var ve *tls.CertificateVerificationError
		assert.ErrorAs(t, err, &ve)
		var ua x509.UnknownAuthorityError
		assert.ErrorAs(t, err, &ua)
	})
}

// rawAnswer serves every connection by reading a request and writing answer, then closing.
func rawAnswer(t *testing.T, answer string) string {
	return rawServer(t, func(_ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.WriteString(c, answer)
	})
}

// Malformed responses fail the request (or the body's read) with ReadResponse's errors, never
// a hang or a panic.
func TestTransportAuditMalformedResponses(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		check        func(t *testing.T, err error)
	}{
		{"status code", "HTTP/1.1 abc OK\r\n\r\n", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "malformed HTTP status code")
		}},
		{"version", "HTTP/9 200 OK\r\n\r\n", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "malformed HTTP version")
		}},
		{"not HTTP", "SSH-2.0-OpenSSH_9\r\n", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "malformed HTTP response")
		}},
		{"header line", "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", func(t *testing.T, err error) {
			var pe textproto.ProtocolError
			assert.ErrorAs(t, err, &pe)
		}},
		{"cut status line", "HTTP/1.1 200", func(t *testing.T, err error) {
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
		{"cut header", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", func(t *testing.T, err error) {
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "bad Content-Length")
		}},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", nil},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := rawAnswer(t, tc.answer)
			forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
				resp, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, base, nil)
				if tc.check != nil {
					require.Error(t, err)
					tc.check(t, err)
					return
				}
				require.NoError(t, err)
				_, err = io.ReadAll(resp.Body)
				assert.Error(t, err)
				_ = resp.Body.Close()
			})
		})
	}
}

// A response that never ends its header is bounded by the request's context.
func TestTransportAuditEndlessHeaderIsBoundedByTheContext(t *testing.T) {
	done := make(chan struct{})
	base := rawServer(t, func(_ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Slow: ")
		<-done
	})
	t.Cleanup(func() { close(done) })
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		dctx, cancel := context.WithTimeout(ctx, 20*ms)
		defer cancel()
		_, err := doReq(dctx, c, http.MethodGet, base, nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		return nil
	})
}

// net/http bounds the informational responses by the size of all the response's headers
// together, not by their number: six "103 Early Hints" are answered.
func TestTransportAuditManyInformationalResponses(t *testing.T) {
	base := rawServer(t, func(_ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.WriteString(c, strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", 6)+
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfinal")
	})
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		resp, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, base, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "final", readAll(t, resp))
	})
}

// The header limit covers the informational responses and the final one together, so an
// endless stream of them ends too.
func TestTransportAuditInformationalResponsesCountTowardsTheHeaderLimit(t *testing.T) {
	hint := "HTTP/1.1 103 Early Hints\r\nLink: <" + strings.Repeat("a", 1500) + ">\r\n\r\n"
	for name, endless := range map[string]bool{"three": false, "endless": true} {
		t.Run(name, func(t *testing.T) {
			base := rawServer(t, func(_ int, c net.Conn) {
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				if !endless {
					_, _ = io.WriteString(c, hint+hint+hint+"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfinal")
					return
				}
				for {
					if _, err := io.WriteString(c, "HTTP/1.1 103 Early Hints\r\n\r\n"); err != nil {
						return // the client gave up
					}
				}
			})
			forBoth(t, func(gt *ghttp.Transport, nt *http.Transport) {
				gt.MaxResponseHeaderBytes, nt.MaxResponseHeaderBytes = 4096, 4096
			}, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
				_, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, base, nil)
				assert.ErrorContains(t, err, "server response headers exceeded 4096 bytes")
			})
		})
	}
}

// A 101 that switches nothing (no Upgrade) leaves the connection in an unknown state: net/http
// does not reuse it.
func TestTransportAuditBare101IsNotReused(t *testing.T) {
	var conns atomic.Int32
	base := keepServing(t, "HTTP/1.1 101 Switching Protocols\r\n\r\n", &conns)
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		conns.Store(0)
		c := &http.Client{Transport: rt}
		for range 2 {
			resp, err := doReq(ctx, c, http.MethodGet, base, nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
			_ = readAll(t, resp)
		}
		assert.Equal(t, int32(2), conns.Load())
	})
}

// A server that closes the connection without a byte of response fails the request with
// io.EOF, as net/http's Transport does: ReadResponse alone calls that io.ErrUnexpectedEOF.
func TestTransportAuditCloseWithoutAnswerIsEOF(t *testing.T) {
	base := rawAnswer(t, "")
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		_, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, base, nil)
		assert.ErrorIs(t, err, io.EOF)
	})
}

// After a replay on a new connection, resp.Request is still the request the caller made.
func TestTransportAuditReplayKeepsTheCallersRequest(t *testing.T) {
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		base := rawServer(t, func(n int, c net.Conn) {
			br := bufio.NewReader(c)
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nconn%d;", n)
			// The next request on the connection is read, then left unanswered.
			_, _ = http.ReadRequest(br)
		})
		c := &http.Client{Transport: rt}
		for _, want := range []string{"conn0;", "conn1;"} { // the second one replayed
			req, err := http.NewRequestWithContext(ctx, http.MethodPut, base, strings.NewReader("body"))
			require.NoError(t, err)
			req.Header.Set("Idempotency-Key", "k")
			resp, err := c.Do(req)
			require.NoError(t, err)
			assert.Same(t, req, resp.Request)
			assert.Equal(t, want, readAll(t, resp))
		}
	})
}

// With DisableKeepAlives a protocol switch request is not given "Connection: close", which
// would contradict its "Connection: Upgrade".
func TestTransportAuditDisableKeepAlivesLeavesUpgradeAlone(t *testing.T) {
	got := make(chan []string, 2)
	base := rawServer(t, func(_ int, c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		got <- req.Header.Values("Connection")
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	})
	forBoth(t, func(gt *ghttp.Transport, nt *http.Transport) {
		gt.DisableKeepAlives, nt.DisableKeepAlives = true, true
	}, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base, nil)
		require.NoError(t, err)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		resp, err := (&http.Client{Transport: rt}).Do(req)
		require.NoError(t, err)
		assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, []string{"Upgrade"}, <-got)
	})
}

// gzipHandler answers "hello, compressed" gzipped when the request accepts gzip, and reports
// the Accept-Encoding it got.
func gzipHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Accept-Encoding", r.Header.Get("Accept-Encoding"))
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		_, _ = io.WriteString(w, "hello, plain")
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	_, _ = io.WriteString(zw, "hello, compressed")
	_ = zw.Close()
}

// net/http's Transport asks for gzip and decodes it, unless DisableCompression, or the caller
// asked for an encoding itself (then the body is left as sent), or a Range, or for HEAD.
func TestTransportAuditTransparentGzip(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, http.HandlerFunc(gzipHandler), false, &cc)
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		cc.opened.Store(0)
		c := &http.Client{Transport: rt}
		resp, err := doReq(ctx, c, http.MethodGet, ts.URL, nil)
		require.NoError(t, err)
		assert.Equal(t, "gzip", resp.Header.Get("X-Accept-Encoding"))
		assert.Equal(t, "hello, compressed", readAll(t, resp))
		assert.True(t, resp.Uncompressed)
		assert.Equal(t, int64(-1), resp.ContentLength)
		assert.Empty(t, resp.Header.Get("Content-Encoding"))
		assert.Empty(t, resp.Header.Get("Content-Length"))

		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL, nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err = c.Do(req)
		require.NoError(t, err)
		assert.False(t, resp.Uncompressed)
		assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
		zr, err := gzip.NewReader(strings.NewReader(readAll(t, resp)))
		require.NoError(t, err)
		b, err := io.ReadAll(zr)
		require.NoError(t, err)
		assert.Equal(t, "hello, compressed", string(b))

		req, err = http.NewRequestWithContext(ctx, http.MethodGet, ts.URL, nil)
		require.NoError(t, err)
		req.Header.Set("Range", "bytes=0-1")
		resp, err = c.Do(req)
		require.NoError(t, err)
		assert.Empty(t, resp.Header.Get("X-Accept-Encoding"), "a Range")
		assert.Equal(t, "hello, plain", readAll(t, resp))

		resp, err = doReq(ctx, c, http.MethodHead, ts.URL, nil)
		require.NoError(t, err)
		assert.Empty(t, resp.Header.Get("X-Accept-Encoding"), "HEAD")
		_ = readAll(t, resp)
		assert.Equal(t, int32(1), cc.opened.Load(), "the connection is reused after a gzip body")
	})
	forBoth(t, func(gt *ghttp.Transport, nt *http.Transport) {
		gt.DisableCompression, nt.DisableCompression = true, true
	}, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		resp, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, ts.URL, nil)
		require.NoError(t, err)
		assert.Empty(t, resp.Header.Get("X-Accept-Encoding"))
		assert.Equal(t, "hello, plain", readAll(t, resp))
	})
}

// A "gzip" body that is not gzip fails its Read with gzip's error; an empty one reads as empty.
func TestTransportAuditBadGzipBodies(t *testing.T) {
	for _, tc := range []struct{ name, answer, want string }{
		{"not gzip", "Content-Length: 24\r\n\r\nthis is not gzip at all!", gzip.ErrHeader.Error()},
		{"empty", "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int32
			base := keepServing(t, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"+tc.answer, &conns)
			forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
				resp, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, base, nil)
				require.NoError(t, err)
				b, err := io.ReadAll(resp.Body)
				if tc.want != "" {
					assert.EqualError(t, err, tc.want)
				} else {
					assert.NoError(t, err)
					assert.Empty(t, b)
				}
				require.NoError(t, resp.Body.Close())
				_, err = resp.Body.Read(make([]byte, 1))
				assert.EqualError(t, err, "http: read on closed response body")
			})
		})
	}
}

// A gzip body closed before its end closes the connection; a context cancelled while it is
// read ends the read with the context's error.
func TestTransportAuditGzipBodyCutShort(t *testing.T) {
	var cc connCounter
	release := make(chan struct{})
	ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = io.WriteString(zw, "early;")
		_ = zw.Flush()
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), false, &cc)
	t.Cleanup(func() { close(release) }) // before ts.Close, which waits for the handlers
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		for _, cancelIt := range []bool{false, true} {
			cctx, cancel := context.WithCancel(ctx)
			resp, err := doReq(cctx, c, http.MethodGet, ts.URL, nil)
			require.NoError(t, err)
			first := make([]byte, len("early;"))
			_, err = io.ReadFull(resp.Body, first)
			require.NoError(t, err)
			assert.Equal(t, "early;", string(first))
			if cancelIt {
				scheduler.Go(func() error { cancel(); return nil }) // runs once the read below waits
				_, err = resp.Body.Read(make([]byte, 10))
				assert.ErrorIs(t, err, context.Canceled)
			}
			require.NoError(t, resp.Body.Close())
			cancel()
		}
		return nil
	})
	assert.Equal(t, int32(2), cc.opened.Load(), "no connection reused after a cut body")
}

// An https request to a plain HTTP server fails in net/http's words; the TLS error stays in
// the chain.
func TestTransportAuditHTTPSToAPlainServer(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	u := strings.Replace(ts.URL, "http:", "https:", 1)
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		_, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, u, nil)
		assert.ErrorContains(t, err, "http: server gave HTTP response to HTTPS client")
	})
	inHub(t, func(ctx context.Context) error {
		_, err := doReq(ctx, &http.Client{Transport: &ghttp.Transport{}}, http.MethodGet, u, nil)
		var rhe tls.RecordHeaderError
		assert.ErrorAs(t, err, &rhe)
		return nil
	})
}

// A connection reset while the request body is sent fails the request with the socket's
// *net.OpError, as with net/http: Request.Write returns it wrapped in an unexported type that
// errors.Is and errors.As cannot see through.
func TestTransportAuditResetWhileUploadingIsTheSocketError(t *testing.T) {
	base := rawServer(t, func(_ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_ = c.(*net.TCPConn).SetLinger(0) // the close resets the connection
	})
	body := make([]byte, 16<<20) // more than the sockets' buffers hold
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		_, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodPost, base, bytes.NewReader(body))
		var oe *net.OpError
		require.ErrorAs(t, err, &oe)
		if _, ok := rt.(*ghttp.Transport); ok { // net/http's may find its own socket closed
			assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE), "%v", err)
		}
	})
}

// A server that refuses a large body answers, then closes with the body unread: the reset
// that follows its answer fails the upload, and the answer must still be heard, as the
// Transport's doc promises. Timing-sensitive by nature: whether the reset reaches the writer
// before the answer reaches the reader is a race (net/http's Transport loses it about half the
// time here), so a Transport that drops a pending answer fails only some rounds; twenty rounds
// make a miss unlikely, and each round must pass.
func TestTransportAuditEarlyAnswerBeforeAResetIsHeard(t *testing.T) {
	base := rawServer(t, func(_ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig")
	}) // the close that follows, with the body unread, resets the connection
	body := make([]byte, 16<<20) // more than the sockets' buffers hold
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		for range 20 {
			resp, err := doReq(ctx, c, http.MethodPost, base, bytes.NewReader(body))
			require.NoError(t, err)
			assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
			assert.Equal(t, "big", readAll(t, resp))
		}
		return nil
	})
}

// ResponseHeaderTimeout counts from the end of the request's write, body included, as
// net/http's does: a slow upload is not a slow answer. Timing-sensitive: once the body is
// written the server must read what the sockets still hold and answer within rht, which is
// generous for a server on the same machine.
func TestTransportAuditResponseHeaderTimeoutStartsAfterTheBody(t *testing.T) {
	const rht = 100 * ms
	body := make([]byte, 16<<20) // more than the sockets' buffers hold
	forBoth(t, func(gt *ghttp.Transport, nt *http.Transport) {
		gt.ResponseHeaderTimeout, nt.ResponseHeaderTimeout = rht, rht
	}, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		stalled := make(chan time.Time, 1)
		ts := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The upload stalls, the server reading nothing, for three times
			// ResponseHeaderTimeout: the condition polled is the time itself.
			start := time.Now()
			stalled <- start
			for time.Since(start) < 3*rht && r.Context().Err() == nil {
				time.Sleep(ms)
			}
			n, _ := io.Copy(io.Discard, r.Body)
			fmt.Fprint(w, n)
		}), false, nil)
		resp, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodPost, ts.URL, bytes.NewReader(body))
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(len(body)), readAll(t, resp))
		assert.GreaterOrEqual(t, time.Since(<-stalled), 3*rht, "the upload stalled")
	})
}

// CloseIdleConnections also closes the connections in use once they become idle, until the
// next request, as net/http's does: a caller closing down does not keep a connection whose
// body it was still reading.
func TestTransportAuditCloseIdleConnectionsClosesNewlyIdleOnes(t *testing.T) {
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		var cc connCounter
		ts := newHTTPTest(t, testMux(), false, &cc)
		c := &http.Client{Transport: rt}
		resp, err := doReq(ctx, c, http.MethodGet, ts.URL+"/stream", nil)
		require.NoError(t, err)
		c.CloseIdleConnections()
		assert.Equal(t, "part0;part1;part2;", readAll(t, resp))
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		require.NoError(t, eventually(wctx, func() bool { return cc.closed.Load() == 1 }), "the connection was kept")

		// The next request lifts it: its connection is kept.
		for range 2 {
			resp, err = doReq(ctx, c, http.MethodGet, ts.URL+"/hello", nil)
			require.NoError(t, err)
			assert.Equal(t, "hello", readAll(t, resp))
		}
		assert.Equal(t, int32(2), cc.opened.Load())
	})
}

// A body that fails is the request's error for errors.Is, GetBody or not: Request.Write
// returns it wrapped in an unexported type that errors.Is cannot see through.
func TestTransportAuditBodyFailureWithGetBody(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/echo", &failingBody{strings.NewReader("hello")})
		require.NoError(t, err)
		req.ContentLength = 10
		req.GetBody = func() (io.ReadCloser, error) {
			return io.NopCloser(&failingBody{strings.NewReader("hello")}), nil
		}
		_, err = (&http.Client{Transport: rt}).Do(req)
		assert.ErrorIs(t, err, errBodySource)
	})
}

// A request whose body fails is not made again, even on a reused connection and with GetBody:
// the failure is the body's, not the connection's (net/http makes again only what a lost
// connection cut short).
func TestTransportAuditBodyFailureIsNotRetried(t *testing.T) {
	forBoth(t, nil, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
		var conns atomic.Int32
		base := rawServer(t, func(_ int, c net.Conn) {
			conns.Add(1)
			br := bufio.NewReader(c)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, req.Body); err != nil {
					return
				}
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}
		})
		c := &http.Client{Transport: rt}
		resp, err := doReq(ctx, c, http.MethodGet, base, nil)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp)) // the connection is idle now

		var rewinds atomic.Int32
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, base, &failingBody{strings.NewReader("hello")})
		require.NoError(t, err)
		req.ContentLength = 10
		req.Header.Set("Idempotency-Key", "k") // replayable
		req.GetBody = func() (io.ReadCloser, error) {
			rewinds.Add(1)
			return io.NopCloser(&failingBody{strings.NewReader("hello")}), nil
		}
		_, err = c.Do(req)
		assert.ErrorIs(t, err, errBodySource)
		assert.Zero(t, rewinds.Load(), "GetBody was called: the request was made again")
		assert.Equal(t, int32(1), conns.Load())
	})
}

// RoundTrip closes the body of every attempt, a replay's (from GetBody) included, also when
// the replay fails before anything is sent: here its dial is refused.
func TestTransportAuditReplayBodyIsClosedWhenTheReplayFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = ln.Close() // no second connection: the replay's dial is refused
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		// The next request is read, then left unanswered: the connection closes.
		if req, err := http.ReadRequest(br); err == nil {
			_, _ = io.Copy(io.Discard, req.Body)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-served
	})
	base := "http://" + ln.Addr().String()
	c := &http.Client{Transport: &ghttp.Transport{}}
	inHub(t, func(ctx context.Context) error {
		resp, err := doReq(ctx, c, http.MethodGet, base, nil)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))

		var replays []*closeRecorder
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base, strings.NewReader("body"))
		require.NoError(t, err)
		req.GetBody = func() (io.ReadCloser, error) {
			body := &closeRecorder{Reader: strings.NewReader("body")}
			replays = append(replays, body)
			return body, nil
		}
		_, err = c.Do(req)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		require.Len(t, replays, 1)
		assert.True(t, replays[0].closed.Load(), "the replay's body was left open")
		return nil
	})
}

// watchedConn is a dialled socket that says whether a write is in progress on it: a write that
// another greenlet sees in progress waits on a full socket, since a greenlet lets the others
// run only while it waits.
type watchedConn struct {
	*socket.Conn
	writing atomic.Bool
}

func (c *watchedConn) Write(p []byte) (int, error) {
	c.writing.Store(true)
	defer c.writing.Store(false)
	return c.Conn.Write(p)
}

// tlsGarbageServer serves one TLS connection on a goroutine: it reads the request header and
// nothing of its body, waits for blocked (the client's upload waits on the socket) and then,
// after a response header promising a body when early, writes an application-data record the
// client cannot decrypt, and holds the connection open until the test ends. It returns the
// base URL and a channel closed once the record was sent.
func tlsGarbageServer(t *testing.T, early bool, blocked <-chan struct{}) (base string, sent <-chan struct{}) {
	cfg := serverTLS(t)
	finish, sentc := make(chan struct{}), make(chan struct{})
	base = rawServer(t, func(_ int, c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		tc := tls.Server(c, cfg)
		if _, err := http.ReadRequest(bufio.NewReader(tc)); err != nil {
			return
		}
		select {
		case <-blocked:
		case <-finish:
			return
		}
		if early {
			if _, err := io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"); err != nil {
				return
			}
		}
		// An application-data record of 32 bytes the client cannot decrypt.
		if _, err := c.Write(append([]byte{0x17, 0x03, 0x03, 0x00, 0x20}, make([]byte, 32)...)); err != nil {
			return
		}
		close(sentc)
		<-finish
	})
	t.Cleanup(func() { close(finish) }) // before rawServer's cleanup waits for the goroutine
	return "https" + strings.TrimPrefix(base, "http"), sentc
}

// A TLS server that stops reading a large request body and sends a record the client cannot
// decrypt, read for the response header or, after an early answer, for its body: crypto/tls
// then sends a bad_record_mac alert, which needs its write lock, a sync.Mutex held by the
// request body's write waiting on the socket in the writer greenlet. The alert once waited for
// that lock on the hub's goroutine, which no greenlet could then run on: one server stopped
// every greenlet of the Transport's hub, for good. Now the read fails, the request (or the
// body's read) ends with its error and the hub goes on: a greenlet sleeping in a loop keeps
// counting. Timing-sensitive only in its bounds: the hub, on another goroutine so that a freeze
// fails the test instead of hanging it, must count 20 sleeps of a millisecond within 5 s of the
// bad record (a frozen hub counts at most the one in progress).
func TestTransportATLSAlertDuringABlockedUploadDoesNotBlockTheHub(t *testing.T) {
	for _, early := range []bool{false, true} {
		t.Run(map[bool]string{false: "response header read", true: "body read after an early answer"}[early], func(t *testing.T) {
			testTLSAlertDuringABlockedUpload(t, early)
		})
	}
}

func testTLSAlertDuringABlockedUpload(t *testing.T, early bool) {
	blocked := make(chan struct{})
	base, sent := tlsGarbageServer(t, early, blocked)
	clientCfg := clientTLS(t)
	var (
		ticks atomic.Int64
		seen  atomic.Bool // the test saw the ticks go on after the bad record
	)
	reqErr, hubDone := make(chan error, 1), make(chan error, 1)
	go func() {
		hubDone <- scheduler.Main(func() error {
			ctx, cancel := context.WithTimeout(bg, 10*time.Second)
			defer cancel()
			var wc *watchedConn
			tr := &ghttp.Transport{TLSClientConfig: clientCfg,
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					var d socket.Dialer
					c, err := d.DialContext(ctx, network, addr)
					if err != nil {
						return nil, err
					}
					wc = &watchedConn{Conn: c.(*socket.Conn)}
					return wc, nil
				}}
			tickCtx, stopTicks := context.WithCancel(ctx)
			ticker := scheduler.Go(func() error {
				signalled := false
				for tickCtx.Err() == nil {
					if !signalled && wc != nil && wc.writing.Load() {
						signalled = true
						close(blocked)
					}
					_ = scheduler.Sleep(tickCtx, ms)
					ticks.Add(1)
				}
				return nil
			})
			resp, err := doReq(ctx, &http.Client{Transport: tr}, http.MethodPost, base, bytes.NewReader(make([]byte, 16<<20)))
			if err == nil {
				if early {
					_, err = io.ReadAll(resp.Body)
				} else {
					err = errors.New("a response, where the bad record should fail the request")
				}
				_ = resp.Body.Close()
			}
			reqErr <- err
			_ = eventually(ctx, seen.Load)
			stopTicks()
			return ticker.Join(bg)
		})
	}()
	recvWithin(t, sent, "the bad record")
	n := ticks.Load()
	for dl := time.Now().Add(5 * time.Second); ticks.Load() < n+20; time.Sleep(ms) {
		if time.Now().After(dl) {
			t.Fatalf("the Transport's hub froze: its sleeping greenlet is stuck at %d wake-ups since the bad record", ticks.Load()-n)
		}
	}
	seen.Store(true)
	assert.ErrorContains(t, recvWithin(t, reqErr, "the request's end"), "bad record MAC")
	assert.NoError(t, recvWithin(t, hubDone, "the hub's end"))
}

// Over TLS, what a switched protocol writes on the connection (a 101's body) goes out, though
// crypto/tls only queues it, and closing the body still sends crypto/tls's close_notify alert
// first. The server speaks TLS 1.2, whose alert records say their type in the clear.
func TestTransportAuditTLSSwitchedProtocolWritesAndClosesCleanly(t *testing.T) {
	cfg := serverTLS(t)
	cfg.MaxVersion = tls.VersionTLS12
	tail := make(chan []byte, 1)
	base := rawServer(t, func(_ int, c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		tc := tls.Server(c, cfg)
		br := bufio.NewReader(tc)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(tc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		line, _ := br.ReadString('\n')
		_, _ = io.WriteString(tc, "echo "+line)
		rest, _ := io.ReadAll(c) // the raw records the client sends before its close
		tail <- rest
	})
	c := &http.Client{Transport: &ghttp.Transport{TLSClientConfig: clientTLS(t)}}
	inHub(t, func(ctx context.Context) error {
		return upgradeEcho(t, ctx, c, "https"+strings.TrimPrefix(base, "http"))
	})
	rest := recvWithin(t, tail, "the server's read to the close")
	require.NotEmpty(t, rest, "a close_notify alert before the close")
	assert.Equal(t, byte(0x15), rest[0], "an alert record")
}

// brokenPrefix is how net/http's Transport words a response header it could not read once
// bytes of it came: the connection is broken.
const brokenPrefix = "net/http: HTTP/1.x transport connection broken: "

// roundTripCause is the text of a request's error without the url.Error and, for ghttp's, the
// *ghttp.Error around it.
func roundTripCause(t *testing.T, err error) string {
	t.Helper()
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	return strings.TrimPrefix(ue.Err.Error(), "ghttp: Transport.RoundTrip: ")
}

// A response header that fails once bytes of it came (cut short, malformed, over the limit,
// reset) fails the request in net/http's words, "net/http: HTTP/1.x transport connection
// broken: " and the cause, which errors.Is and errors.As still find; a close or a reset before
// the first byte is the bare read error. The same text as net/http's, case by case.
func TestTransportAuditBrokenConnectionIsWordedAsNetHTTP(t *testing.T) {
	reset := func(answer string) func(int, net.Conn) {
		return func(_ int, c net.Conn) {
			if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
				return
			}
			_, _ = io.WriteString(c, answer)
			_ = c.(*net.TCPConn).SetLinger(0) // the close resets the connection
		}
	}
	for _, tc := range []struct {
		name   string
		serve  func(int, net.Conn)
		broken bool
		check  func(t *testing.T, err error)
	}{
		{"cut status line", rawAnswerFunc("HTTP/1.1 200"), true, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
		{"cut header", rawAnswerFunc("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"), true, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
		{"header line", rawAnswerFunc("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"), true, func(t *testing.T, err error) {
			var pe textproto.ProtocolError
			assert.ErrorAs(t, err, &pe)
		}},
		{"not HTTP", rawAnswerFunc("SSH-2.0-OpenSSH_9\r\n"), true, nil},
		{"over the limit", rawAnswerFunc("HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 5000) + "\r\n\r\n"), true, nil},
		{"reset in the header", reset("HTTP/1.1 200 OK\r\n"), true, func(t *testing.T, err error) {
			// The reset or the end of the bytes that came before it: the reading's timing.
			assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
		}},
		{"close before the first byte", rawAnswerFunc(""), false, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, io.EOF)
		}},
		{"reset before the first byte", reset(""), false, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, syscall.ECONNRESET)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := rawServer(t, tc.serve)
			causes := map[string]string{}
			forBoth(t, func(gt *ghttp.Transport, nt *http.Transport) {
				gt.MaxResponseHeaderBytes, nt.MaxResponseHeaderBytes = 4096, 4096
			}, func(t *testing.T, ctx context.Context, rt http.RoundTripper) {
				_, err := doReq(ctx, &http.Client{Transport: rt}, http.MethodGet, base, nil)
				require.Error(t, err)
				cause := roundTripCause(t, err)
				assert.Equal(t, tc.broken, strings.HasPrefix(cause, brokenPrefix), "%s", cause)
				if tc.check != nil {
					tc.check(t, err)
				}
				causes[fmt.Sprintf("%T", rt)] = cause
			})
			if !strings.Contains(causes["*http.Transport"], "tcp") { // no socket addresses to differ
				assert.Equal(t, causes["*http.Transport"], causes["*ghttp.Transport"])
			}
		})
	}
}

// rawAnswerFunc is rawAnswer's serving function: read a request, write answer, close.
func rawAnswerFunc(answer string) func(int, net.Conn) {
	return func(_ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.WriteString(c, answer)
	}
}
