package ghttp_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
)

// wrappedBody is a handler's own ReadCloser over the request body (as a decompressor, a
// logging middleware or http.MaxBytesReader put in place of r.Body).
type wrappedBody struct{ io.ReadCloser }

// bodyEndHandler replaces the request body, or turns full duplex on, before it reads or closes
// the body.
func bodyEndHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/wrap-read":
		r.Body = wrappedBody{r.Body}
		_, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "read: %v", err)
	case "/wrap-close":
		r.Body = wrappedBody{r.Body}
		_, _ = fmt.Fprintf(w, "close: %v", r.Body.Close())
	case "/duplex-read":
		_ = http.NewResponseController(w).EnableFullDuplex()
		w.WriteHeader(http.StatusOK)
		_, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "read: %v", err)
	case "/duplex-wrap-noread":
		_ = http.NewResponseController(w).EnableFullDuplex()
		r.Body = wrappedBody{r.Body}
		_, _ = io.WriteString(w, "not reading")
	default:
		_, _ = io.WriteString(w, "served "+r.URL.RequestURI())
	}
}

// TestBodyEndUnreadClosesWhateverTheHandlerMadeOfBody: a request body whose end the server
// never read (a malformed trailer, a bad chunk, more unread bytes than it drains) leaves the
// connection where no request begins, so it closes after the response, also when the handler
// replaced r.Body or turned full duplex on; what follows (here a GET the client hid after a
// bad trailer line, after a bad chunk, or inside the body) is never served. net/http's server
// looks only at a body it still holds as r.Body and drains only without full duplex, so it
// served the hidden GET in each of these cases, and so did this one.
func TestBodyEndUnreadClosesWhateverTheHandlerMadeOfBody(t *testing.T) {
	ghttp.SetRSTAvoidanceDelay(t, 20*ms)
	srv := startServer(t, &ghttp.Server{Handler: http.HandlerFunc(bodyEndHandler), ErrorLog: quietLog}, false)
	const hidden = "GET /hidden HTTP/1.1\r\nHost: a\r\n\r\n"
	chunked := func(path, rest string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + rest
	}
	large := func(path string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s%s", path, 300000,
			hidden, strings.Repeat("x", 300000-len(hidden)))
	}
	for name, raw := range map[string]string{
		"replaced body, malformed trailer":   chunked("/wrap-read", "3\r\nabc\r\n0\r\nX(b): 5\r\n"+hidden),
		"replaced body, control byte":        chunked("/wrap-read", "3\r\nabc\r\n0\r\nX-T: a\x01\r\n"+hidden),
		"full duplex, malformed trailer":     chunked("/duplex-read", "3\r\nabc\r\n0\r\nX(b): 5\r\n"+hidden),
		"full duplex, bad chunk":             chunked("/duplex-read", "3\r\nabcX\r\n"+hidden),
		"replaced body closed, large body":   large("/wrap-close"),
		"full duplex, replaced, large body":  large("/duplex-wrap-noread"),
		"replaced body, well-formed trailer": chunked("/wrap-read", "3\r\nabc\r\n0\r\nX-T: v\r\n\r\n"+hidden),
	} {
		t.Run(name, func(t *testing.T) {
			got := exchange(t, srv, raw+probe)
			assert.Contains(t, got, "HTTP/1.1 200 OK\r\n", "the request itself is answered")
			if strings.Contains(name, "well-formed") {
				// The control case: the body's end was read, the connection goes on.
				assert.Contains(t, got, "served /hidden")
				assert.Contains(t, got, "served /probe")
				return
			}
			assert.NotContains(t, got, "served /hidden", "what followed the body's unread end was served")
			assert.NotContains(t, got, "served /probe", "the connection stayed open")
			assert.True(t, strings.HasSuffix(got, "<EOF>"), "the connection ended otherwise: %q", got)
		})
	}
}

// A handler that closed the request body early through a Body of its own (a wrapper whose
// Close closes the body under it), with megabytes of the body still on the way, gets its
// whole response to a client that keeps sending the body: the server sends its FIN after the
// response and waits before it closes, as for an early close of r.Body itself. Closed at once
// with unread bytes, the socket resets the connection and drops what of the response its send
// buffer still held (here all of it past what the client's small receive buffer took): the
// client's read of the response ended in io.ErrUnexpectedEOF. net/http's server cannot run
// this case: it keeps the connection (it looks only at a body still in r.Body) and reads the
// rest of the body as the next request, answered with 431 (the difference the package doc
// lists).
func TestEarlyCloseOfAReplacedBodySendsTheWholeResponse(t *testing.T) {
	const respSize = 2 << 20 // far more than the client's receive buffer takes
	srv := startServer(t, &ghttp.Server{ErrorLog: quietLog, ConnState: func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			// Room for the whole response: the handler's write never waits, and the response
			// is still in the send buffer when the handler returns.
			assert.NoError(t, c.(interface{ SetWriteBuffer(int) error }).SetWriteBuffer(2*respSize))
		}
	}, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = wrappedBody{r.Body}
		_, _ = io.CopyN(io.Discard, r.Body, 1<<10)
		_ = r.Body.Close() // megabytes unread: an early close
		w.Header().Set("Content-Length", strconv.Itoa(respSize))
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(w, strings.Repeat("x", respSize-len("too large"))+"too large")
	})}, false)
	c := smallReceiveBufferDial(t, srv.Addr)
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		_, _ = fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", 1<<30)
		chunk := make([]byte, 64<<10)
		for { // until the server closes: it never reads this far
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.True(t, resp.Close, "Connection: close")
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "after %d bytes of the response", len(b))
	assert.Len(t, b, respSize)
	assert.True(t, strings.HasSuffix(string(b), "too large"))
	_ = c.Close()
	<-sending
}

// smallReceiveBufferDial dials addr with package net and a 64 KiB receive buffer set before the
// connect, so that the window does not grow past it.
func smallReceiveBufferDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
		})
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
