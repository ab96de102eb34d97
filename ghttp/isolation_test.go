package ghttp_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
)

// Tests that what the server keeps from one request of a connection to the next (tracked
// socket deadlines, the request's context, buffers) leaks nothing into the next request.

// keepAliveExchange sends each request on one connection to srv's address and returns the
// responses' status and body, in order.
func keepAliveExchange(t *testing.T, addr string, reqs ...string) []string {
	t.Helper()
	c := netConnDial(t, addr)
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	br := bufio.NewReader(c)
	var got []string
	for _, req := range reqs {
		_, err := io.WriteString(c, req)
		require.NoError(t, err)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		_ = resp.Body.Close()
		got = append(got, resp.Status+" "+string(b))
	}
	return got
}

// A deadline a handler set through http.ResponseController ends with its request: the server
// skips clearing deadlines it knows are not set, and must know of the handler's.
func TestHandlerDeadlinesEndWithTheRequest(t *testing.T) {
	past := time.Unix(1, 0)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/set" {
			_, _ = io.WriteString(w, "next")
			return
		}
		w.Header().Set("Content-Length", "2")
		_, _ = io.WriteString(w, "ok")
		rc := http.NewResponseController(w)
		assert.NoError(t, rc.Flush())
		// The response is out: deadlines in the past would fail the next request's read
		// and write if they outlived this one.
		assert.NoError(t, rc.SetReadDeadline(past))
		assert.NoError(t, rc.SetWriteDeadline(past))
	})
	hs := startServer(t, &ghttp.Server{Handler: h, ErrorLog: quietLog}, false)
	got := keepAliveExchange(t, hs.Addr,
		"GET /set HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.Equal(t, []string{"200 OK ok", "200 OK next"}, got)
}

// A response's header holds its own fields only: the server sorts them in a slice it keeps
// for the connection's next responses.
func TestResponseHeaderHoldsItsOwnFields(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/many" {
			for _, k := range []string{"X-A", "X-B", "X-C", "X-D"} {
				w.Header().Set(k, r.URL.Path)
			}
		}
		w.Header().Set("X-Z", r.URL.Path)
		w.WriteHeader(http.StatusEarlyHints) // a 1xx response writes the fields too
		_, _ = io.WriteString(w, "b")
	})
	hs := startServer(t, &ghttp.Server{Handler: h, ErrorLog: quietLog}, false)
	c := netConnDial(t, hs.Addr)
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err := io.WriteString(c, "GET /many HTTP/1.1\r\nHost: x\r\n\r\nGET /few HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	var got []http.Header
	for range 4 { // each request: the 103, then the 200
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		resp.Header.Del("Date")
		got = append(got, resp.Header)
	}
	assert.Equal(t, []http.Header{
		{"X-A": {"/many"}, "X-B": {"/many"}, "X-C": {"/many"}, "X-D": {"/many"}, "X-Z": {"/many"}},
		{"X-A": {"/many"}, "X-B": {"/many"}, "X-C": {"/many"}, "X-D": {"/many"}, "X-Z": {"/many"},
			"Content-Length": {"1"}, "Content-Type": {"text/plain; charset=utf-8"}},
		{"X-Z": {"/few"}},
		{"X-Z": {"/few"}, "Content-Length": {"1"}, "Content-Type": {"text/plain; charset=utf-8"}},
	}, got)
}

// Each request gets a context of its own, set on the request the server read (no copy of it):
// the previous request's is cancelled once its handler returned, the next one's is live and
// carries the server's values.
func TestEachRequestHasItsOwnContext(t *testing.T) {
	var prev context.Context
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		switch {
		case ctx.Err() != nil:
			_, _ = io.WriteString(w, "cancelled already")
		case ctx.Value(http.ServerContextKey) == nil:
			_, _ = io.WriteString(w, "no server value")
		case prev == nil:
			_, _ = io.WriteString(w, "first")
		case prev == ctx:
			_, _ = io.WriteString(w, "the previous request's context")
		case prev.Err() == nil:
			_, _ = io.WriteString(w, "the previous context is live")
		default:
			_, _ = io.WriteString(w, "own")
		}
		prev = ctx
	})
	hs := startServer(t, &ghttp.Server{Handler: h, ErrorLog: quietLog}, false)
	got := keepAliveExchange(t, hs.Addr,
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.Equal(t, []string{"200 OK first", "200 OK own"}, got)
}
