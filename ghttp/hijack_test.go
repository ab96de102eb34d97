package ghttp_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// hijackAfterMore serves one request whose handler waits until the connection's watch saw
// the client send more (on TLS its read took a byte through crypto/tls), hijacks, reads a line
// from the ReadWriter handed over and answers with its length and whether it was all 'x' up to
// "more\n".
func hijackAfterMore(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		ctx := testctx.Within(t, 5*time.Second)
		for !ghttp.WatchSawData(w) {
			if err := scheduler.Sleep(ctx, ms); err != nil {
				t.Error("the watch saw nothing")
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
		body, ok := strings.CutSuffix(line, "more\n")
		ok = ok && strings.Trim(body, "x") == ""
		_, err = fmt.Fprintf(c, "got %d %v\n", len(line), ok)
		assert.NoError(t, err)
	})
}

// TestHijackHandsOverWhatTheWatchSawInOrder: the client pipelines 5000 bytes with its request
// (on TLS in the same record), more than the connection's reader holds, and sends more while
// the handler runs. Hijack must hand over the reader's bytes, then (TLS) the byte the watch's
// read took from the middle of the record, then the rest, in order; on plain sockets the
// watch only peeked. The short TLS case is TestHijackKeepsTheByteTheTLSWatchRead's.
func TestHijackHandsOverWhatTheWatchSawInOrder(t *testing.T) {
	const extra = 5000
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			hs := startServer(t, &ghttp.Server{TLSConfig: serverTLS(t), Handler: hijackAfterMore(t)}, useTLS)
			var c net.Conn = netConnDial(t, hs.Addr)
			if useTLS {
				cfg := clientTLS(t)
				cfg.ServerName = "127.0.0.1"
				cfg.DynamicRecordSizingDisabled = true // the request and what follows in one record
				c = tls.Client(c, cfg)
			}
			_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"+strings.Repeat("x", extra))
			require.NoError(t, err)
			br := bufio.NewReader(c)
			_, err = http.ReadResponse(br, nil)
			require.NoError(t, err)
			_, err = io.WriteString(c, "more\n")
			require.NoError(t, err)
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("got %d true\n", extra+len("more\n")), line)
		})
	}
}

// A Hijack that fails (the client reset the connection, so the flush fails) leaves the
// connection with the server, which closes it; it used to be marked hijacked first, so nobody
// closed it and Shutdown waited for it until its context ended. (net/http's Hijack ignores the
// flush error and hands the connection over.)
func TestFailedHijackLeavesTheConnectionToTheServer(t *testing.T) {
	waiting := make(chan struct{}, 1)
	hijackErr := make(chan error, 1)
	var closed atomic.Bool
	srv := &ghttp.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			waiting <- struct{}{}
			_ = scheduler.WaitContext(r.Context()) // the reset, seen by the connection's watch
			w.WriteHeader(http.StatusOK)
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = c.Close()
			}
			hijackErr <- err
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed {
				closed.Store(true)
			}
		},
		ErrorLog: quietLog,
	}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	require.NoError(t, err)
	<-waiting
	require.NoError(t, c.(*net.TCPConn).SetLinger(0))
	require.NoError(t, c.Close()) // RST
	if err := <-hijackErr; err == nil {
		return // the flush went out before the reset: handed over, and closed by the handler
	}
	waitFor(t, "the server to close the connection after a failed Hijack", closed.Load)
}
