package ghttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// bufferBeforeChunking is how much of a response body is held back before the header is
// written, as net/http does: a handler that finishes within it gets a Content-Length instead of
// chunking, and its first bytes are sniffed for a Content-Type (DetectContentType reads 512).
const bufferBeforeChunking = 2048

// maxPostHandlerReadBytes is how much unread request body the server reads and drops after the
// handler to keep the connection for the next request; with more left it closes instead.
const maxPostHandlerReadBytes = 256 << 10

// ErrHandlerReturned is the cause of the error a ResponseWriter's Write, Flush, Hijack,
// SetReadDeadline, SetWriteDeadline and EnableFullDuplex return once its handler has returned
// (or panicked, or was killed), for a greenlet the handler spawned that outlived it: the
// response is complete, and the connection serves another request or is closed. net/http
// leaves such a use undefined (its Hijack panics); here it fails and changes nothing.
// WriteHeader is then ignored and logged, as net/http logs a superfluous call.
var ErrHandlerReturned = errors.New("the handler has returned")

// errConcurrentWrite is the cause of a ResponseWriter call that would write while another
// greenlet's write of the same response waits on the connection (net/http leaves that
// undefined: a data race). The server's own "100 Continue" is waited for instead.
var errConcurrentWrite = errors.New("concurrent ResponseWriter write")

// response is the http.ResponseWriter of one request (net/http's response, rewritten for one
// greenlet: no locks, no atomics). Writes go to w (bufferBeforeChunking bytes), which drains into
// cw: cw finalises and writes the header on its first write, then frames the body (chunked or
// not) into the connection's writer.
type response struct {
	c         *conn
	req       *http.Request // the request the handler got
	reqBody   io.ReadCloser // the body as read from the wire (a *bodyTracker or http.NoBody)
	tracker   *bodyTracker  // reqBody when the request has a body
	cancelCtx func()

	wroteHeader      bool // a non-1xx header was (logically) written
	wants10KeepAlive bool // HTTP/1.0 with "Connection: keep-alive"
	wantsClose       bool // "Connection: close" or HTTP/1.0 without keep-alive
	canWriteContinue bool // the body's first Read may still send "100 Continue"
	closeAfterReply  bool
	keepAlivesOff    bool // the server kept no connection alive when the header was decided
	tooLarge         bool // the request body was too large to drain: close with a FIN first
	fullDuplex       bool
	handlerDone      bool
	writing          bool        // a greenlet's write of this response is in progress
	continuing       bool        // that write is the server's "100 Continue" (writeContinue)
	writeWaited      bool        // a greenlet waits for that write to end (awaitWriteEnd)
	writeEnd         event.Event // set when it ends, if a greenlet waits

	w  *bufio.Writer
	cw chunkWriter

	handlerHeader http.Header // what Header returns
	calledHeader  bool        // the handler called Header

	written       int64 // body bytes written
	contentLength int64 // the declared Content-Length, or -1
	status        int
	trailers      []string // trailer keys declared in the "Trailer" header

	clenBuf   [20]byte
	statusBuf [3]byte
}

// Header returns the header map the handler fills (http.ResponseWriter).
func (w *response) Header() http.Header {
	if w.cw.header == nil && w.wroteHeader && !w.cw.wroteHeader && !w.handlerDone {
		// Between the logical and the physical write of the header: keep a snapshot of what
		// WriteHeader saw, as net/http does.
		w.cw.header = w.snapshotHeader()
	}
	w.calledHeader = true
	return w.handlerHeader
}

// WriteHeader sends the status code (http.ResponseWriter). 1xx codes other than 101 are written
// at once and may be repeated; anything else is written with the first body bytes or at the
// end of the handler.
func (w *response) WriteHeader(code int) {
	if err := w.hubCheck(); err != nil {
		if !errors.Is(err, scheduler.ErrHubDestroyed) { // the response dies with the hub
			w.c.srv.logf("http: response.WriteHeader from %s ignored: %v", callerOutside(), &Error{Op: "ResponseWriter.WriteHeader", Err: err})
		}
		return
	}
	if informational(code) {
		if err := w.awaitContinue(); err != nil {
			w.c.srv.logf("http: response.WriteHeader(%d) from %s ignored: %v", code, callerOutside(), &Error{Op: "ResponseWriter.WriteHeader", Err: err})
			return
		}
	}
	if w.handlerDone && !w.c.hijackedv {
		w.c.srv.logf("http: superfluous response.WriteHeader call from %s", callerOutside())
		return
	}
	w.writeHeader(code)
}

// informational reports whether WriteHeader(code) writes an interim response at once: a 1xx
// other than 101.
func informational(code int) bool {
	return code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols
}

// writeHeader is WriteHeader for a caller that checked it may write.
func (w *response) writeHeader(code int) {
	if w.c.hijackedv {
		w.c.srv.logf("http: response.WriteHeader on hijacked connection from %s", callerOutside())
		return
	}
	if w.wroteHeader {
		w.c.srv.logf("http: superfluous response.WriteHeader call from %s", callerOutside())
		return
	}
	if code < 100 || code > 999 {
		// net/http panics too: a handler bug, and WriteHeader cannot return an error.
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 101 || code > 199 {
		w.canWriteContinue = false
	}
	if informational(code) {
		if w.writing {
			w.c.srv.logf("http: response.WriteHeader(%d) from %s ignored: %v", code, callerOutside(), errConcurrentWrite)
			return
		}
		w.writing = true
		bw := w.c.bw
		writeStatusLine(bw, w.req.ProtoAtLeast(1, 1), code, w.statusBuf[:])
		w.c.writeHeaderFields(w.handlerHeader, excludedHeadersNoBody)
		_, _ = bw.WriteString("\r\n")
		_ = bw.Flush()
		w.endWrite()
		return
	}
	w.wroteHeader = true
	w.status = code
	if w.calledHeader && w.cw.header == nil {
		w.cw.header = w.snapshotHeader()
	}
	if cl := headerGet(w.handlerHeader, "Content-Length"); cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err == nil && v >= 0 {
			w.contentLength = v
		} else {
			w.c.srv.logf("http: invalid Content-Length of %q", cl)
			w.handlerHeader.Del("Content-Length")
		}
	}
}

// Write writes body bytes (http.ResponseWriter), after an implicit WriteHeader(200).
func (w *response) Write(data []byte) (int, error) { return w.write(len(data), data, "") }

// WriteString is Write for a string (io.StringWriter), without a copy.
func (w *response) WriteString(data string) (int, error) { return w.write(len(data), nil, data) }

func (w *response) write(n int, b []byte, s string) (int, error) {
	if err := w.startWrite("ResponseWriter.Write"); err != nil {
		return 0, err
	}
	defer w.endWrite()
	if w.c.hijackedv {
		if n > 0 {
			w.c.srv.logf("http: response.Write on hijacked connection from %s", callerOutside())
		}
		return 0, http.ErrHijacked
	}
	w.canWriteContinue = false
	if !w.wroteHeader {
		w.writeHeader(http.StatusOK)
	}
	if n == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(n)
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if b != nil {
		return w.w.Write(b)
	}
	return w.w.WriteString(s)
}

// Flush sends what is buffered (http.Flusher).
func (w *response) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting the error (what http.ResponseController.Flush calls).
func (w *response) FlushError() error {
	if err := w.startWrite("ResponseWriter.Flush"); err != nil {
		return err
	}
	defer w.endWrite()
	if w.c.hijackedv {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.writeHeader(http.StatusOK)
	}
	err := w.w.Flush()
	if err2 := w.cw.flush(); err == nil {
		err = err2
	}
	return err
}

// SetReadDeadline sets the connection's read deadline (http.ResponseController).
func (w *response) SetReadDeadline(t time.Time) error {
	if err := w.usable("ResponseWriter.SetReadDeadline"); err != nil {
		return err
	}
	return w.c.setReadDeadline(t)
}

// SetWriteDeadline sets the connection's write deadline (http.ResponseController).
func (w *response) SetWriteDeadline(t time.Time) error {
	if err := w.usable("ResponseWriter.SetWriteDeadline"); err != nil {
		return err
	}
	return w.c.setWriteDeadline(t)
}

// EnableFullDuplex lets the handler read the request body after it started writing the
// response (http.ResponseController): the server no longer drains it before the header.
func (w *response) EnableFullDuplex() error {
	if err := w.usable("ResponseWriter.EnableFullDuplex"); err != nil {
		return err
	}
	w.fullDuplex = true
	return nil
}

// hubCheck refuses a caller that is not a greenlet of the server's hub (the response's state
// belongs to the connection's greenlet), and every caller once that hub is destroyed: a handler
// killed by the hub's Destroy gets scheduler.ErrHubDestroyed.
func (w *response) hubCheck() error { return w.c.hub.Check() }

// usable returns the error of a call op that may not go on: from outside the server's hub
// (scheduler.ErrNotGreenlet), or once the handler returned (ErrHandlerReturned).
func (w *response) usable(op string) error {
	if err := w.hubCheck(); err != nil {
		return &Error{Op: op, Err: err}
	}
	if w.handlerDone {
		return &Error{Op: op, Err: ErrHandlerReturned}
	}
	return nil
}

// startWrite is usable for a call op that writes, and marks its write in progress: a write of
// another greenlet meanwhile is refused, since the two would interleave their bytes in shared
// buffers (and on TLS wait on crypto/tls's write lock, a sync.Mutex, on the hub's goroutine).
// The server's own "100 Continue" is waited for first (awaitContinue); the hub is checked again
// only after such a wait, since nothing else switches away from the caller in between.
func (w *response) startWrite(op string) error {
	if err := w.hubCheck(); err != nil {
		return &Error{Op: op, Err: err}
	}
	if w.writing && w.continuing {
		if err := w.awaitContinue(); err != nil {
			return &Error{Op: op, Err: err}
		}
		if err := w.hubCheck(); err != nil { // the hub may have been destroyed meanwhile
			return &Error{Op: op, Err: err}
		}
	}
	if w.handlerDone { // the handler may have returned meanwhile
		return &Error{Op: op, Err: ErrHandlerReturned}
	}
	if w.writing {
		return &Error{Op: op, Err: errConcurrentWrite}
	}
	w.writing = true
	return nil
}

// endWrite ends the write startWrite began, and wakes the greenlets waiting for it.
func (w *response) endWrite() {
	w.writing = false
	if w.writeWaited {
		w.writeWaited = false
		w.writeEnd.Set()
	}
}

// awaitWriteEnd waits until no greenlet's write of this response is in progress. It returns
// what ended the wait otherwise (a kill). A blocking call: from a greenlet of the hub. The
// wait needs no bound of its own: it ends with that write, which the write deadline (the
// server's WriteTimeout, the handler's), the connection's close (Close, the end of
// Shutdown's context) and the handler's return (stopWrites) end.
func (w *response) awaitWriteEnd() error {
	for w.writing {
		if err := w.waitWriteEnd(); err != nil {
			return err
		}
	}
	return nil
}

// awaitContinue waits until the server's own "100 Continue" is written, if a greenlet's body
// Read is writing it: a ResponseWriter write of another greenlet goes after it, as net/http's
// writeContinueMu orders them, rather than failing as a concurrent write of the handler's. It
// is bounded as awaitWriteEnd is, and returns what ended the wait otherwise (a kill).
func (w *response) awaitContinue() error {
	for w.writing && w.continuing {
		if err := w.waitWriteEnd(); err != nil {
			return err
		}
	}
	return nil
}

// waitWriteEnd waits for the end of the write in progress.
func (w *response) waitWriteEnd() error {
	w.writeEnd.Clear() // set by an earlier write's end
	w.writeWaited = true
	return w.writeEnd.Wait(context.Background())
}

// writeContinue sends "100 Continue" if the request body's first Read is due to send it: the
// handler has not started the response (nor sent a 100 itself) and is running. A write of
// another greenlet in progress (an informational response, which does not start the
// response) is waited for first. It returns what ended that wait otherwise.
func (w *response) writeContinue() error {
	if !w.canWriteContinue {
		return nil
	}
	if err := w.awaitWriteEnd(); err != nil {
		return err
	}
	if !w.canWriteContinue || w.handlerDone {
		return nil // the response started, or the handler returned, meanwhile
	}
	w.canWriteContinue = false
	w.writing, w.continuing = true, true
	sent := w.c.sent
	_, _ = w.c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	_ = w.c.bw.Flush()
	w.c.sent = sent // the access log counts the response, as gevent's, not the interim one
	w.continuing = false
	w.endWrite()
	return nil
}

// stopWrites ends a write that a greenlet the handler left behind still waits in, by a past
// write deadline (and by closing the request body, which a first write drains), and waits for
// it to return, so that the server writes neither in the middle of it nor into buffers it
// still uses; the response is then cut short. A blocking call: from the connection's
// greenlet, once the handler has returned.
func (w *response) stopWrites() {
	if !w.writing {
		return
	}
	_ = w.c.setWriteDeadline(aLongTimeAgo)
	if w.tracker != nil && w.tracker.reading {
		_ = w.tracker.Close()
	}
	_ = w.awaitWriteEnd()
}

// Hijack hands the connection over to the handler (http.Hijacker): the returned net.Conn is the
// server's cooperative *socket.Conn (or the *tls.Conn over it, whose NetConn wraps the
// *socket.Conn), and the ReadWriter holds what was already read and not yet written. The server
// no longer touches the connection; the caller closes it, from a greenlet of the server's hub.
// A *tls.Conn takes sync.Mutex locks around its reads and around its writes, and its Read also
// takes the write lock to send an alert (a record it cannot decrypt) or a KeyUpdate: a greenlet
// blocking on one of those locks blocks the hub's goroutine, so use it from one greenlet at a
// time, or read in one while another writes only if that write never waits on the socket.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if err := w.startWrite("ResponseWriter.Hijack"); err != nil {
		// net/http panics after the handler returned; an error says the same.
		return nil, nil, err
	}
	defer w.endWrite()
	w.canWriteContinue = false
	if w.wroteHeader {
		_ = w.cw.flush()
	}
	rwc, buf, err := w.c.hijack()
	if err == nil {
		putResponseBuf(w.w)
		w.w = nil
	}
	return rwc, buf, err
}

// snapshotHeader returns the header as it is now, for the physical write, which may come
// later, when the handler may have changed its map (changes after WriteHeader have no effect,
// trailers aside). net/http clones the map; this copies it shallowly into a map the connection
// reuses, which costs no allocation once warm: Set replaces a key's slice and Add appends past
// the copied length, so neither shows in the snapshot. The writeHeader that follows edits the
// snapshot, never the handler's map.
func (w *response) snapshotHeader() http.Header {
	m := w.c.hdrSnap
	if m == nil {
		m = make(http.Header, len(w.handlerHeader))
		w.c.hdrSnap = m
	} else {
		clear(m)
	}
	for k, v := range w.handlerHeader {
		m[k] = v
	}
	return m
}

// bodyAllowed reports whether the status written allows a body.
func (w *response) bodyAllowed() bool { return bodyAllowedForStatus(w.status) }

// finishRequest completes the response once the handler returned: the header if none was
// written, the buffered body, the last chunk and trailers, and a flush.
func (w *response) finishRequest() {
	w.handlerDone = true
	w.stopWrites()
	if !w.wroteHeader {
		w.writeHeader(http.StatusOK)
	}
	_ = w.w.Flush()
	putResponseBuf(w.w)
	w.w = nil
	w.cw.close()
	_ = w.c.bw.Flush()
	w.c.watch.abort()
	if w.tracker != nil {
		w.tracker.onEOF = nil // the handler is done: no more watching for the client to leave
	}
	// Closed whatever closeAfterReply says, so the reader is at a request boundary or the
	// connection is known to be unusable.
	_ = w.reqBody.Close()
	if w.req.MultipartForm != nil {
		_ = w.req.MultipartForm.RemoveAll()
	}
}

// shouldReuseConnection reports whether the connection can take another request.
func (w *response) shouldReuseConnection() bool {
	switch {
	case w.closeAfterReply:
		return false
	case w.req.Method != http.MethodHead && w.contentLength != -1 && w.bodyAllowed() && w.contentLength != w.written:
		return false // the body was shorter than declared: the client is out of step
	case w.c.werr != nil:
		return false
	case w.tracker != nil && !w.tracker.sawEOF:
		// The request body's end was never read (a framing error in it, bytes left unread),
		// whatever the handler made of Body and with full duplex too: what follows on the
		// wire is not a request. net/http looks only at a body still in r.Body.
		return false
	}
	return !w.closedRequestBodyEarly()
}

// closedRequestBodyEarly reports whether closing the request body left unread bytes behind, or
// ended a read of it in progress (whatever the handler made of Body).
func (w *response) closedRequestBodyEarly() bool {
	return w.tracker != nil && (w.tracker.interrupted || w.tracker.earlyClose)
}

// sendExpectationFailed answers an Expect header other than 100-continue (RFC 9110, 10.1.1).
func (w *response) sendExpectationFailed() {
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusExpectationFailed)
	w.finishRequest()
}

// requestTooLarge marks a response whose request body was too large to drain.
func (w *response) requestTooLarge() {
	w.closeAfterReply = true
	w.tooLarge = true
	if !w.wroteHeader {
		w.Header().Set("Connection", "close")
	}
}

// finalTrailers returns the trailers to send after the last chunk, nil when there are none:
// the keys declared in "Trailer" and the "Trailer:"-prefixed keys of the handler's header.
func (w *response) finalTrailers() http.Header {
	var t http.Header
	for k, vv := range w.handlerHeader {
		if kk, found := strings.CutPrefix(k, http.TrailerPrefix); found {
			if t == nil {
				t = make(http.Header)
			}
			t[kk] = vv
		}
	}
	for _, k := range w.trailers {
		if t == nil {
			t = make(http.Header)
		}
		for _, v := range w.handlerHeader[k] {
			t.Add(k, v)
		}
	}
	return t
}

// declareTrailer notes one key of the "Trailer" header, unless RFC 9110 forbids it there.
func (w *response) declareTrailer(k string) {
	k = http.CanonicalHeaderKey(k)
	if !validTrailerHeader(k) {
		return
	}
	w.trailers = append(w.trailers, k)
}

// callerOutside names the first caller outside this package and net/http, for the log lines
// about misused ResponseWriters.
func callerOutside() string {
	pc := make([]uintptr, 16)
	n := runtime.Callers(2, pc)
	frames := runtime.CallersFrames(pc[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "net/http.") && !strings.Contains(f.Function, "/ghttp.") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, path.Base(f.File), f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}

// writeStatusLine writes "HTTP/1.x code text\r\n".
func writeStatusLine(bw *connBuf, is11 bool, code int, scratch []byte) {
	if is11 {
		_, _ = bw.WriteString("HTTP/1.1 ")
	} else {
		_, _ = bw.WriteString("HTTP/1.0 ")
	}
	if text := http.StatusText(code); text != "" {
		_, _ = bw.Write(strconv.AppendInt(scratch[:0], int64(code), 10))
		_ = bw.WriteByte(' ')
		_, _ = bw.WriteString(text)
		_, _ = bw.WriteString("\r\n")
		return
	}
	_, _ = fmt.Fprintf(bw, "%03d status code %d\r\n", code, code)
}

// bodyAllowedForStatus reports whether a response with this status may have a body
// (RFC 9110, 6.4.1).
func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199, status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}

// excludedHeadersNoBody are left out of 1xx responses.
var excludedHeadersNoBody = map[string]bool{"Content-Length": true, "Transfer-Encoding": true}

// suppressedHeaders are dropped from responses with the status, which have no body.
func suppressedHeaders(status int) []string {
	switch {
	case status == http.StatusNotModified:
		return []string{"Content-Type", "Content-Length", "Transfer-Encoding"}
	case !bodyAllowedForStatus(status):
		return []string{"Content-Length", "Transfer-Encoding"}
	}
	return nil
}
