package ghttp_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// lateUse uses a ResponseWriter and its request's body every way a greenlet that outlived
// the handler might, and reports what each call returned ("panic: ..." for a panic).
func lateUse(w http.ResponseWriter, r *http.Request) map[string]error {
	res := map[string]error{}
	try := func(name string, f func() error) {
		defer func() {
			if p := recover(); p != nil {
				res[name] = fmt.Errorf("panic: %v", p)
			}
		}()
		res[name] = f()
	}
	rc := http.NewResponseController(w)
	try("Write", func() error { _, err := w.Write(bytes.Repeat([]byte("x"), 5000)); return err })
	try("WriteString", func() error { _, err := io.WriteString(w, "late"); return err })
	try("ReadFrom", func() error { _, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("late")); return err })
	try("WriteHeader", func() error { w.WriteHeader(http.StatusEarlyHints); w.WriteHeader(http.StatusOK); return nil })
	try("Header", func() error { w.Header().Set("Late", "1"); return nil })
	try("Flush", rc.Flush)
	try("Flusher", func() error { w.(http.Flusher).Flush(); return nil })
	try("SetReadDeadline", func() error { return rc.SetReadDeadline(time.Now()) })
	try("SetWriteDeadline", func() error { return rc.SetWriteDeadline(time.Now()) })
	try("EnableFullDuplex", rc.EnableFullDuplex)
	try("Hijack", func() error { _, _, err := rc.Hijack(); return err })
	try("Body.Read", func() error { _, err := r.Body.Read(make([]byte, 10)); return err })
	try("Body.Close", r.Body.Close)
	return res
}

// assertLateUseRefused checks lateUse's results: no panic, the writes, flushes, deadlines and
// Hijack refused with ErrHandlerReturned, WriteHeader and Header without effect, the body's
// Read refused as net/http's closed body refuses it.
func assertLateUseRefused(t *testing.T, res map[string]error) {
	t.Helper()
	for _, op := range []string{"Write", "WriteString", "ReadFrom", "Flush", "SetReadDeadline", "SetWriteDeadline", "EnableFullDuplex", "Hijack"} {
		assert.ErrorIs(t, res[op], ghttp.ErrHandlerReturned, op)
	}
	for _, op := range []string{"WriteHeader", "Header", "Flusher", "Body.Close"} {
		assert.NoError(t, res[op], op)
	}
	assert.ErrorIs(t, res["Body.Read"], http.ErrBodyReadAfterClose)
}

// lateHandler serves "/" (and "/continue", whose request expects 100-continue) with a handler
// that spawns a greenlet using w and r once go is set, then ends as end says ("return",
// "panic", or "block": wait for its context, so that Server.Close ends it); the greenlet's
// results arrive on results.
func lateHandler(end string, start *event.Event, results chan<- map[string]error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // sends "100 Continue" if asked: the connection is kept
		_, _ = io.WriteString(w, "from the handler")
		scheduler.Go(func() error {
			if err := start.Wait(bg); err != nil {
				return err
			}
			results <- lateUse(w, r)
			return nil
		})
		switch end {
		case "panic":
			panic(http.ErrAbortHandler)
		case "block":
			w.(http.Flusher).Flush()
			_ = scheduler.WaitContext(r.Context())
		}
	})
}

func TestAResponseWriterUsedAfterItsHandlerReturnedRefuses(t *testing.T) {
	for _, path := range []string{"/plain", "/continue"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			var start event.Event
			results := make(chan map[string]error, 1)
			hs := startServer(t, &ghttp.Server{Handler: lateHandler("return", &start, results), ErrorLog: quietLog}, false)
			c := netConnDial(t, hs.Addr)
			br := bufio.NewReader(c)
			req := "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
			if path == "/continue" { // the body is an expectContinueReader
				req += "Expect: 100-continue\r\n"
			}
			_, err := io.WriteString(c, req+"\r\nabc")
			require.NoError(t, err)
			assertResponse(t, br, "from the handler")
			// The connection waits for its next request while the greenlet uses the old
			// response: what it does must not reach the connection (a past read deadline
			// would end the wait).
			require.NoError(t, hs.Run(func() error { start.Set(); return nil }))
			assertLateUseRefused(t, <-results)
			_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			require.NoError(t, err)
			assertResponse(t, br, "from the handler")
		})
	}
}

func TestAResponseWriterOutlivingAPanickingOrClosedHandlerRefuses(t *testing.T) {
	for _, end := range []string{"panic", "block"} {
		t.Run(end, func(t *testing.T) {
			var start event.Event
			results := make(chan map[string]error, 1)
			srv := &ghttp.Server{Handler: lateHandler(end, &start, results), ErrorLog: quietLog}
			hs := startServer(t, srv, false)
			c := netConnDial(t, hs.Addr)
			_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
			require.NoError(t, err)
			if end == "block" {
				// The handler flushed and waits: the server's Close kills its greenlet.
				_, err = http.ReadResponse(bufio.NewReader(c), nil)
				require.NoError(t, err)
				require.NoError(t, hs.Run(srv.Close))
			}
			_, _ = io.Copy(io.Discard, c) // the server closed the connection
			require.NoError(t, hs.Run(func() error { start.Set(); return nil }))
			assertLateUseRefused(t, <-results)
		})
	}
}

func TestAResponseWriterUsedFromAGoroutineRefuses(t *testing.T) {
	var res map[string]error
	hs := startServer(t, &ghttp.Server{ErrorLog: quietLog, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := scheduler.RunBlocking(context.Background(), func() (struct{}, error) { res = lateUse(w, r); return struct{}{}, nil })
		assert.NoError(t, err)
		_, _ = io.WriteString(w, "from the handler")
	})}, false)
	c := netConnDial(t, hs.Addr)
	br := bufio.NewReader(c)
	_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
	require.NoError(t, err)
	assertResponse(t, br, "from the handler")
	for _, op := range []string{"Write", "WriteString", "ReadFrom", "Flush", "SetReadDeadline", "SetWriteDeadline", "EnableFullDuplex", "Hijack", "Body.Read", "Body.Close"} {
		assert.ErrorIs(t, res[op], scheduler.ErrNotGreenlet, op)
	}
	assert.ErrorContains(t, res["ReadFrom"], "ResponseWriter.ReadFrom", "checked before anything is read")
	for _, op := range []string{"WriteHeader", "Header", "Flusher"} {
		assert.NoError(t, res[op], op)
	}
}

// assertResponse reads a response from br (after any 1xx) and checks it is a 200 with body
// want.
func assertResponse(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	for err == nil && resp.StatusCode < 200 {
		resp, err = http.ReadResponse(br, nil)
	}
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, want, string(b))
}
