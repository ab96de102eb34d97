package ghttp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
)

// The differential test sends the same raw bytes to net/http's Server and to ours, both
// serving diffHandler, and compares what comes back byte for byte (the Date header aside):
// status lines, headers, framing (Content-Length, chunk sizes), bodies, and whether the
// connection stayed open, which a probe request appended to every case shows (a connection
// that closed after the case never answers it). The client half-closes after writing, so each
// exchange ends with the server's close.

// diffMaxHeaderBytes is both servers' MaxHeaderBytes, small so the oversized-header case is
// cheap.
const diffMaxHeaderBytes = 4096

// probe is appended to every case: answered only when the connection stayed open.
const probe = "GET /probe HTTP/1.1\r\nHost: p\r\n\r\n"

// diffHandler shows in its responses what the server made of each request.
func diffHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/noread":
		_, _ = io.WriteString(w, "not reading the body\n")
	case "/big":
		chunk := strings.Repeat("x", 1000)
		for range 10 {
			_, _ = io.WriteString(w, chunk)
		}
	case "/flush":
		_, _ = io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "second")
	case "/cl":
		w.Header().Set("Content-Length", "5")
		_, _ = io.WriteString(w, "hello")
	case "/short":
		w.Header().Set("Content-Length", "10")
		_, _ = io.WriteString(w, "hello")
	case "/close":
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "closing")
	case "/keepalive10":
		w.Header().Set("Connection", "keep-alive")
		w.Header().Set("Content-Length", "2")
		_, _ = io.WriteString(w, "ok")
	case "/204":
		w.WriteHeader(http.StatusNoContent)
	case "/304":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotModified)
	default:
		diffHandlerMore(w, r)
	}
}

func diffHandlerMore(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/panic":
		panic("boom")
	case "/abort":
		panic(http.ErrAbortHandler)
	case "/hijack":
		c, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nhijacked")
		_ = buf.Flush()
		_ = c.Close()
	case "/trailer":
		w.Header().Set("Trailer", "X-Sum")
		_, _ = io.WriteString(w, "body with a trailer")
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	case "/103":
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = io.WriteString(w, "after early hints")
	case "/sniff":
		_, _ = io.WriteString(w, "<html><body>sniffed</body></html>")
	case "/identity":
		w.Header().Set("Transfer-Encoding", "identity")
		_, _ = io.WriteString(w, "close-delimited")
	case "/late-header":
		// Changes after WriteHeader have no effect: the header is written as it was.
		h := w.Header()
		h.Set("X-Set", "before")
		h["X-Add"] = make([]string, 1, 4) // room to append in place
		h["X-Add"][0] = "first"
		w.WriteHeader(http.StatusOK)
		h.Set("X-Set", "after")
		h.Add("X-Add", "second")
		h.Set("X-New", "after")
		_, _ = io.WriteString(w, "late header changes")
	case "/own-trailer-map":
		r.Trailer = http.Header{"Own": nil} // the handler's own map, before the body is read
		echo(w, r)
	case "/nil-trailer-map":
		r.Trailer = nil // no map, and none of the declared keys, before the body is read
		echo(w, r)
		_, _ = fmt.Fprintf(w, "nil=%v", r.Trailer == nil)
	case "/read-close":
		_, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "read: %v, close: %v", err, r.Body.Close())
	case "/probe":
		_, _ = io.WriteString(w, "probe answered")
	default:
		echo(w, r)
	}
}

// echo writes what the server parsed: request line, host, framing, header and body.
func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s host=%q cl=%d te=%q close=%v\n", r.Method, r.RequestURI, r.Proto, r.Host,
		r.ContentLength, r.TransferEncoding, r.Close)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %q\n", k, r.Header[k])
	}
	fmt.Fprintf(&b, "body %q err=%v trailer=%v\n", body, err, r.Trailer)
	_, _ = io.WriteString(w, b.String())
}

// diffCase is one raw exchange.
type diffCase struct {
	name string
	raw  string
	// noProbe leaves the probe out (cases whose bytes end mid-request).
	noProbe bool
	// differs is why the servers answer differently, for the cases the package doc lists;
	// the test then checks that they do differ, so the list stays true.
	differs string
}

var diffCases = []diffCase{
	{name: "GET 1.1", raw: "GET /echo?q=1 HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\r\n"},
	{name: "GET 1.0", raw: "GET /echo HTTP/1.0\r\n\r\n"},
	{name: "GET 1.0 keep-alive echo", raw: "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{name: "GET 1.0 keep-alive with length", raw: "GET /keepalive10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{name: "HEAD echo", raw: "HEAD /echo HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "HEAD big", raw: "HEAD /big HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "POST content-length", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "POST chunked", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"},
	{name: "chunked with trailer", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n"},
	{name: "chunked with undeclared trailers", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\nHost: x\r\n\r\n"},
	{name: "trailers into the handler's own map", raw: "POST /own-trailer-map HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n"},
	{name: "declared trailers into the handler's own map", raw: "POST /own-trailer-map HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-T, X-U\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n"},
	{name: "declared trailers into a nil r.Trailer", raw: "POST /nil-trailer-map HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-T, X-U\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n"},
	{name: "declared trailers not sent, into a nil r.Trailer", raw: "POST /nil-trailer-map HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
	{name: "undeclared trailers into a nil r.Trailer", raw: "POST /nil-trailer-map HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n"},
	{name: "malformed trailer", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX(b): 5\r\nGET /echo?smuggled HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "control byte in trailer", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: a\x01\r\n\r\n"},
	{name: "malformed trailer, body not read", raw: "POST /noread HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX(b): 5\r\n\r\n"},
	{name: "malformed trailer, body closed", raw: "POST /read-close HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX(b): 5\r\n\r\n"},
	{name: "bad chunk, body closed", raw: "POST /read-close HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"},
	{name: "chunk extension", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;name=val\r\nabc\r\n0\r\n\r\n"},
	{name: "invalid chunk size", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
	{name: "chunk size overflow", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n0\r\n\r\n"},
	{name: "chunk without CRLF", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n"},
	{name: "duplicate equal content-length", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
	{name: "conflicting content-length", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
	{name: "content-length with sign", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc"},
	{name: "negative content-length", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"},
	{name: "smuggling CL and TE", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /echo?smuggled HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "smuggling TE and CL", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\n"},
	{name: "transfer-encoding gzip, chunked", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
	{name: "transfer-encoding identity", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\nContent-Length: 3\r\n\r\nabc"},
	{name: "transfer-encoding Chunked", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
	{name: "two transfer-encoding headers", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{name: "request line without version", raw: "GET /echo\r\nHost: a\r\n\r\n"},
	{name: "lower-case method", raw: "get /echo HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "method with bad byte", raw: "G(T /echo HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "HTTP/2.0 request line", raw: "GET /echo HTTP/2.0\r\nHost: a\r\n\r\n"},
	{name: "HTTP/1.2", raw: "GET /echo HTTP/1.2\r\nHost: a\r\n\r\n"},
	{name: "bad version", raw: "GET /echo HTTP/x.y\r\nHost: a\r\n\r\n"},
	{name: "missing host", raw: "GET /echo HTTP/1.1\r\n\r\n"},
	{name: "empty host", raw: "GET /echo HTTP/1.1\r\nHost:\r\n\r\n"},
	{name: "two hosts", raw: "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
	{name: "malformed host", raw: "GET /echo HTTP/1.1\r\nHost: a b\r\n\r\n"},
	{name: "absolute form with host", raw: "GET http://abs.example/echo HTTP/1.1\r\nHost: other\r\n\r\n"},
	{name: "absolute form without host", raw: "GET http://abs.example/echo HTTP/1.1\r\n\r\n"},
	{name: "absolute form with bad host header", raw: "GET http://abs.example/echo HTTP/1.1\r\nHost: a\x01b\r\n\r\n"},
	{name: "obsolete line folding", raw: "GET /echo HTTP/1.1\r\nHost: a\r\nX-Fold: one\r\n two\r\n\r\n"},
	{name: "space before colon", raw: "GET /echo HTTP/1.1\r\nHost: a\r\nX-Bad : v\r\n\r\n"},
	{name: "bad header name", raw: "GET /echo HTTP/1.1\r\nHost: a\r\nX(Bad): v\r\n\r\n"},
	{name: "control byte in value", raw: "GET /echo HTTP/1.1\r\nHost: a\r\nX-Ctl: a\x01b\r\n\r\n"},
	{name: "oversized header", raw: "GET /echo HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("b", 3*diffMaxHeaderBytes) + "\r\n\r\n"},
	{name: "pipelined GETs", raw: "GET /echo?1 HTTP/1.1\r\nHost: a\r\n\r\nGET /echo?2 HTTP/1.1\r\nHost: a\r\n\r\nGET /cl HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "pipelined POST and GET", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /sniff HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "CRLF after POST body", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi\r\nGET /echo HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "expect 100-continue", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "expect 100-continue, body not read", raw: "POST /noread HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "expect 100-continue on HTTP/1.0", raw: "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "expect other", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "connection close", raw: "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
	{name: "small body not read", raw: "POST /noread HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"},
	{name: "large body not read", raw: "POST /noread HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n" + strings.Repeat("z", 300000)},
	{name: "large chunked body not read", raw: "POST /noread HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1000\r\n"+strings.Repeat("c", 4096)+"\r\n", 70) + "0\r\n\r\n"},
	{name: "handler closes", raw: "GET /close HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "204", raw: "GET /204 HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "304", raw: "GET /304 HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "short body", raw: "GET /short HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "big chunked response", raw: "GET /big HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "big response to HTTP/1.0", raw: "GET /big HTTP/1.0\r\n\r\n"},
	{name: "flush", raw: "GET /flush HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "panic", raw: "GET /panic HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "abort handler", raw: "GET /abort HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "hijack", raw: "GET /hijack HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "trailers", raw: "GET /trailer HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "early hints", raw: "GET /103 HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "content sniffing", raw: "GET /sniff HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "header changed after WriteHeader", raw: "GET /late-header HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "identity response", raw: "GET /identity HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "OPTIONS *", raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "OPTIONS * with a large body", raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("o", 5000)},
	{name: "CONNECT", raw: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
	{name: "PRI upgrade", raw: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
	{name: "leading CRLF", raw: "\r\nGET /echo HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "bare LF", raw: "GET /echo HTTP/1.1\nHost: a\n\n"},
	{name: "extra spaces in request line", raw: "GET  /echo  HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "NUL in URI", raw: "GET /ec\x00ho HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "long URI", raw: "GET /echo?" + strings.Repeat("q", 3000) + " HTTP/1.1\r\nHost: a\r\n\r\n"},
	{name: "POST 1.0 without length", raw: "POST /echo HTTP/1.0\r\n\r\nignored"},
	{name: "premature close in header", raw: "GET /echo HTTP/1.1\r\nHost: a\r\n", noProbe: true},
	{name: "premature close in request line", raw: "GET /ec", noProbe: true},
	{name: "premature close in body", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", noProbe: true},
	{name: "premature close in chunk", raw: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", noProbe: true},
	{name: "empty connection", raw: "", noProbe: true},
	{name: "garbage", raw: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", noProbe: true},
	{name: "MaxBytesReader over the limit", raw: "POST /maxbytes HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789",
		differs: "http.MaxBytesReader tells net/http's own ResponseWriter, through an unexported method, to close the connection; ghttp's keeps it open"},
}

func TestDifferentialAgainstNetHTTP(t *testing.T) {
	ghttp.SetRSTAvoidanceDelay(t, 20*ms)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/maxbytes" {
			r.Body = http.MaxBytesReader(w, r.Body, 4)
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
				return
			}
		}
		diffHandler(w, r)
	})
	ours := startServer(t, &ghttp.Server{Handler: handler, MaxHeaderBytes: diffMaxHeaderBytes, ErrorLog: quietLog}, false)
	theirs := startNetHTTP(t, &http.Server{Handler: handler, MaxHeaderBytes: diffMaxHeaderBytes, ErrorLog: quietLog})
	require.GreaterOrEqual(t, len(diffCases), 40)
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.raw
			if !tc.noProbe {
				raw += probe
			}
			want := exchange(t, theirs, raw)
			got := exchange(t, ours, raw)
			if tc.differs != "" {
				assert.NotEqual(t, want, got, "listed as differing (%s), yet the same", tc.differs)
				return
			}
			assert.Equal(t, want, got)
		})
	}
}

// startNetHTTP serves srv with net/http on 127.0.0.1.
func startNetHTTP(t testing.TB, srv *http.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		// Shutdown, not Close: it waits for net/http's connection goroutines, which may
		// still be in their wait after a FIN.
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
		assert.ErrorIs(t, <-done, http.ErrServerClosed)
	})
	return ln.Addr().String()
}

var dateHeader = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r$`)

// exchange sends raw to addr from a plain goroutine, half-closes, and returns everything the
// server sent until it closed, with the Date header's value masked and how the stream ended.
func exchange(t *testing.T, addr any, raw string) string {
	t.Helper()
	var a string
	switch v := addr.(type) {
	case string:
		a = v
	case *hubServer:
		a = v.Addr
	}
	c, err := net.DialTimeout("tcp", a, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	// A limit against a server that never closes: reaching it fails the case.
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	go func() {
		// Written concurrently: a server answering before it read everything must not
		// deadlock the exchange.
		_, _ = io.WriteString(c, raw)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(bufio.NewReader(c))
	end := "EOF"
	switch {
	case err == nil:
	case errors.Is(err, syscall.ECONNRESET):
		end = "EOF" // a reset after the data: the server closed with bytes unread
	default:
		end = "error: " + err.Error()
	}
	return dateHeader.ReplaceAllString(string(got), "Date: (masked)\r") + "\n<" + end + ">"
}
