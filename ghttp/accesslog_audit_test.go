package ghttp_test

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// pipelineTwo writes GET /a and GET /b in one write, so that /b is read with /a, and reads
// /a's response.
func pipelineTwo(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c := netConnDial(t, addr)
	_, err := io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(body))
	return c, br
}

// assertNoResponse checks that the server closed the connection without answering /b.
func assertNoResponse(t *testing.T, br *bufio.Reader) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		_ = resp.Body.Close()
	}
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "/b was answered") // ReadResponse's word for EOF
}

// A Shutdown that begins after /a's response, while the ConnState hook of the connection
// going idle runs (a hook may block; here it waits for Shutdown to begin), drops /b, which
// was pipelined behind /a and read with it, unanswered: /b gets its "000 -" line as when
// Shutdown began during /a's handler. Before, the connection looked at its keep-alives once
// for the line and again for the drop, and /b got none.
func TestAccessLogShutdownWhileGoingIdleDropsPipelined(t *testing.T) {
	var out logBuffer
	var stopping event.Event
	shut := make(chan error, 1)
	hooked := false
	srv := &ghttp.Server{ErrorLog: quietLog, AccessLog: log.New(&out, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})}
	srv.RegisterOnShutdown(func() { stopping.Set() })
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		if s != http.StateIdle || hooked {
			return
		}
		hooked = true
		scheduler.Go(func() error {
			ctx, cancel := context.WithTimeout(bg, 5*time.Second)
			defer cancel()
			shut <- srv.Shutdown(ctx)
			return nil
		})
		_ = stopping.Wait(bg)
	}
	hs := startServer(t, srv, false)
	c, br := pipelineTwo(t, hs.Addr)
	assertNoResponse(t, br)
	_ = c.Close()
	require.NoError(t, <-shut)
	line, status, _ := nthLine(t, &out, 0)
	assert.Equal(t, "GET /a HTTP/1.1", line)
	assert.Equal(t, "200", status)
	line, status, n := nthLine(t, &out, 1)
	assert.Equal(t, "GET /b HTTP/1.1", line)
	assert.Equal(t, "000", status)
	assert.Equal(t, "-", n)
	assert.Len(t, out.lines(), 2)
}

// Keep-alives turned off during /a's handler (after its header went out with keep-alive)
// and on again while the connection goes idle: /b, pipelined behind /a, got its "000 -"
// line when the connection saw keep-alives off, so it is dropped, not answered as well.
// Before, the connection looked at its keep-alives again for the drop, served /b and logged
// it a second time, with its 200.
func TestAccessLogKeepAlivesToggledLogsPipelinedOnce(t *testing.T) {
	var out logBuffer
	var srv *ghttp.Server
	srv = &ghttp.Server{ErrorLog: quietLog, AccessLog: log.New(&out, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
		if r.URL.Path == "/a" {
			w.(http.Flusher).Flush() // the header goes out with keep-alive
			srv.SetKeepAlivesEnabled(false)
		}
	})}
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateIdle {
			srv.SetKeepAlivesEnabled(true)
		}
	}
	hs := startServer(t, srv, false)
	c, br := pipelineTwo(t, hs.Addr)
	assertNoResponse(t, br)
	_ = c.Close()
	line, status, _ := nthLine(t, &out, 0)
	assert.Equal(t, "GET /a HTTP/1.1", line)
	assert.Equal(t, "200", status)
	line, status, n := nthLine(t, &out, 1)
	assert.Equal(t, "GET /b HTTP/1.1", line)
	assert.Equal(t, "000", status)
	assert.Equal(t, "-", n)
	hs.Stop(t)
	assert.Len(t, out.lines(), 2, "%q", out.lines())
}

// Keep-alives turned off and on again within /a's handler, its header sent while they were
// off: /a's response says "Connection: close" and /b, pipelined behind /a and read with it,
// is dropped unanswered, the same bytes net/http's server sends for the same request; /b gets
// its "000 -" line. Before, the connection looked at its keep-alives only after the handler,
// found them on, and closed (the response said close) with no line for /b.
func TestAccessLogKeepAlivesToggledInHandlerLogsPipelined(t *testing.T) {
	toggling := func(setKeepAlives func(bool)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/a" {
				setKeepAlives(false)
				w.(http.Flusher).Flush() // the header goes out while they are off
				setKeepAlives(true)
			}
			_, _ = io.WriteString(w, "ok")
		})
	}
	var out logBuffer
	ours := &ghttp.Server{ErrorLog: quietLog, AccessLog: log.New(&out, "", 0)}
	ours.Handler = toggling(ours.SetKeepAlivesEnabled)
	theirs := &http.Server{ErrorLog: quietLog}
	theirs.Handler = toggling(theirs.SetKeepAlivesEnabled)
	hs := startServer(t, ours, false)
	addr := startNetHTTP(t, theirs)
	const raw = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
	want := exchange(t, addr, raw)
	require.Contains(t, want, "Connection: close\r\n")
	require.NotContains(t, want, "okHTTP/1.1", "net/http answered /b")
	assert.Equal(t, want, exchange(t, hs, raw))
	line, status, _ := nthLine(t, &out, 0)
	assert.Equal(t, "GET /a HTTP/1.1", line)
	assert.Equal(t, "200", status)
	line, status, n := nthLine(t, &out, 1)
	assert.Equal(t, "GET /b HTTP/1.1", line)
	assert.Equal(t, "000", status)
	assert.Equal(t, "-", n)
	hs.Stop(t)
	assert.Len(t, out.lines(), 2, "%q", out.lines())
}
