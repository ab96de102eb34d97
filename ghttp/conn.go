package ghttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"runtime"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// rstAvoidanceDelay is how long a connection closed with unread request bytes waits after
// sending its FIN before closing for good, so the client reads the response before the RST
// that closing with unread data causes (net/http waits as long).
var rstAvoidanceDelay = 500 * time.Millisecond

// errTooLarge is readRequest's error for a request header over MaxHeaderBytes.
var errTooLarge = errors.New("http: request too large")

// aLongTimeAgo is a deadline in the past, to wake a read at once.
var aLongTimeAgo = time.Unix(1, 0)

// conn is the server side of one connection, served by one greenlet (its state needs no lock:
// only greenlets of the server's hub touch it).
type conn struct {
	srv        *Server
	hub        *scheduler.Hub // the server's hub, which serves the connection
	sc         *socket.Conn   // the accepted socket
	rwc        net.Conn       // sc, or the *tls.Conn over it
	tlsConn    *tls.Conn      // nil for plain HTTP
	tlsSock    *tlsSocket     // what tlsConn is over: sc, with its writes queued
	remoteAddr string
	tlsState   *tls.ConnectionState
	cancelCtx  context.CancelFunc // cancels the connection's context (and its requests')

	cr      connReader
	br      *bufio.Reader
	bw      *connBuf // nil until serve sets it up, and once closed
	out     connBuf
	chunked io.WriteCloser // httputil's chunked writer over bw
	snap    headerSnapshot
	fields  []headerField // writeHeaderFields' scratch, empty between its calls
	werr    error         // the first write error

	lastMethod string
	inflight   *response   // the response whose handler runs
	hdrSnap    http.Header // the header snapshot's map, reused by every response

	state     http.ConnState
	stateUnix int64 // when the state was set to StateNew (Unix seconds)
	readDL    bool  // a read deadline may be set on the socket
	writeDL   bool  // a write deadline may be set on the socket
	hijackedv bool
	sent      int64 // bytes written to the connection, for the access log
	rawClosed bool  // the socket was closed
	finished  bool  // cleanup ran

	// Set only with an access log: when the running handler started and what sent was then;
	// the request line of a request readRequest refused, and whether any of its bytes came.
	logStart   time.Time
	logSent    int64
	refusedReq string
	refusedAny bool

	gr    *scheduler.Greenlet[struct{}]
	watch watch
}

// newConn makes the connection of sc, from the serving greenlet.
func newConn(s *Server, sc *socket.Conn, cfg *tls.Config) *conn {
	c := &conn{srv: s, hub: scheduler.CurrentHub(), sc: sc, rwc: sc}
	if cfg != nil {
		c.tlsConn, c.tlsSock = newTLSServer(sc, cfg)
		c.rwc = c.tlsConn
	}
	c.watch.c = c
	return c
}

// serve runs the connection: the TLS handshake, then requests until the connection closes, is
// hijacked or the server stops.
func (c *conn) serve(ctx context.Context) {
	if ra := c.rwc.RemoteAddr(); ra != nil {
		c.remoteAddr = ra.String()
	}
	defer func() { c.cleanup(recover()) }()
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, c.rwc.LocalAddr())
	if c.tlsConn != nil && !c.handshake() {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	c.cancelCtx = cancel
	defer cancel()

	c.cr = connReader{c: c, rwc: c.rwc}
	c.br = newBufioReader(&c.cr)
	c.out.init(c)
	c.bw = &c.out
	c.chunked = httputil.NewChunkedWriter(c.bw)
	if d := c.srv.readHeaderTimeout(); d > 0 {
		_ = c.setReadDeadline(time.Now().Add(d))
	}
	for c.serveOne(ctx) {
	}
}

// handshake runs the TLS handshake in the connection's greenlet, bounded by the shortest of the
// read and write timeouts, and reports whether it succeeded. Handshake, not HandshakeContext:
// with a context that can be cancelled crypto/tls starts a goroutine that closes the socket
// from outside the hub while this greenlet may wait for it on a channel.
func (c *conn) handshake() bool {
	to := c.srv.tlsHandshakeTimeout()
	if to > 0 {
		_ = c.setDeadline(time.Now().Add(to))
	}
	if err := c.tlsConn.Handshake(); err != nil {
		reason := err.Error()
		var re tls.RecordHeaderError
		if errors.As(err, &re) && re.Conn != nil && recordHeaderLooksLikeHTTP(re.RecordHeader) {
			_, _ = io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
			reason = "client sent an HTTP request to an HTTPS server"
		}
		c.srv.logf("http: TLS handshake error from %s: %v", c.remoteAddr, reason)
		return false
	}
	if to > 0 {
		_ = c.setDeadline(time.Time{})
	}
	st := c.tlsConn.ConnectionState()
	c.tlsState = &st
	c.tlsSock.queueing = true
	return true
}

// serveOne reads one request, runs the handler and finishes the response; it reports whether
// the connection should wait for another request.
func (c *conn) serveOne(ctx context.Context) bool {
	srv := c.srv
	var begin time.Time // read only with an access log: time.Now costs every request otherwise
	if srv.AccessLog != nil {
		begin = time.Now()
	}
	w, err := c.readRequest(ctx)
	if c.cr.remain != srv.initialReadLimitSize() {
		c.setState(http.StateActive) // bytes were read: the connection is active
	}
	if srv.inShutdown.Load() {
		c.logDropped(w, begin)
		return false
	}
	if err != nil {
		c.replyReadError(err, begin)
		return false
	}
	req := w.req
	if expect := headerGet(req.Header, "Expect"); expect != "" && !c.expect(w, expect, begin) {
		return false
	}
	if w.tracker != nil && !w.tracker.sawEOF {
		w.tracker.onEOF = c.watch.arm
	} else {
		c.watch.arm()
	}
	c.inflight = w
	if srv.AccessLog != nil {
		c.logStart, c.logSent = time.Now(), c.sent
	}
	srv.handler(req).ServeHTTP(w, req)
	c.inflight = nil
	w.handlerDone = true // from now on a greenlet the handler left behind is refused
	w.cancelCtx()
	if c.hijackedv {
		c.logUnfinished(w)
		return false
	}
	w.finishRequest()
	stopped := false // the next request, read already, got its line as dropped
	if srv.AccessLog != nil {
		status := w.status
		if status == 0 {
			status = http.StatusOK
		}
		c.logAccess(requestLine(req), status, c.sent-c.logSent, c.logStart)
		// Off now, or off when the header said whether the connection stays (turned on
		// again since, they close it all the same).
		if stopped = w.keepAlivesOff || !srv.doKeepAlives(); stopped {
			c.logStopped(w)
		}
	}
	_ = c.setWriteDeadline(time.Time{})
	if !w.shouldReuseConnection() {
		if w.closedRequestBodyEarly() || w.tooLarge {
			c.closeWriteAndWait()
		}
		return false
	}
	c.setState(http.StateIdle)
	// Asked again: the ConnState hook may have let Shutdown begin, or turned keep-alives on
	// or off. A request logged as dropped stays dropped.
	if stopped {
		return false
	}
	if !srv.doKeepAlives() {
		if srv.AccessLog != nil {
			c.logStopped(w)
		}
		return false
	}
	return c.awaitNext()
}

// expect answers the request's Expect header: "100-continue" makes the body's first Read send
// "100 Continue", anything else gets 417 and ends the connection (it reports false then).
func (c *conn) expect(w *response, expect string, begin time.Time) bool {
	req := w.req
	if hasToken(expect, "100-continue") {
		if req.ProtoAtLeast(1, 1) && req.ContentLength != 0 {
			req.Body = &expectContinueReader{body: req.Body, resp: w}
			w.canWriteContinue = true
		}
		return true
	}
	sent := c.sent
	w.sendExpectationFailed()
	if c.srv.AccessLog != nil {
		c.logAccess(requestLine(req), w.status, c.sent-sent, begin)
	}
	return false
}

// awaitNext waits for the first bytes of the next request under the idle timeout, then arms
// the header timeout: a slow client cannot hold a connection with a trickle, an idle one for
// longer than IdleTimeout.
func (c *conn) awaitNext() bool {
	srv := c.srv
	if d := srv.idleTimeout(); d > 0 {
		_ = c.setReadDeadline(time.Now().Add(d))
	} else {
		_ = c.setReadDeadline(time.Time{})
	}
	var begin time.Time
	if srv.AccessLog != nil {
		begin = time.Now()
	}
	if _, err := c.br.Peek(4); err != nil {
		c.logCutShort(begin)
		return false
	}
	if d := srv.readHeaderTimeout(); d > 0 {
		_ = c.setReadDeadline(time.Now().Add(d))
	} else {
		_ = c.setReadDeadline(time.Time{})
	}
	return true
}

// readRequest reads and checks the next request header, and prepares its response.
func (c *conn) readRequest(ctx context.Context) (*response, error) {
	srv := c.srv
	var wholeReqDeadline time.Time
	if d := srv.ReadTimeout; d > 0 {
		wholeReqDeadline = time.Now().Add(d)
	}
	if d := srv.WriteTimeout; d > 0 {
		defer func() { _ = c.setWriteDeadline(time.Now().Add(d)) }()
	}
	c.cr.remain = srv.initialReadLimitSize()
	if c.lastMethod == http.MethodPost {
		// RFC 9112, 2.2: tolerate the CRLF old clients send after a POST body.
		peek, _ := c.br.Peek(4)
		_, _ = c.br.Discard(numLeadingCRorLF(peek))
	}
	c.snap.begin(c.br, &c.cr)
	req, err := http.ReadRequest(c.br)
	raw, rawOK := c.snap.end(c.br, &c.cr)
	if err != nil {
		if c.cr.remain <= 0 {
			err = errTooLarge
		}
		return c.refuse(raw, rawOK, err)
	}
	if !http1ServerSupportsRequest(req) {
		return c.refuse(raw, rawOK, statusError{http.StatusHTTPVersionNotSupported, "unsupported protocol version"})
	}
	c.lastMethod = req.Method
	c.cr.remain = math.MaxInt64
	h2Upgrade, err := checkRequestHeader(req, raw, rawOK)
	if err != nil {
		return c.refuse(raw, rawOK, err)
	}
	parsed := req // where net/http's body merges the trailers it reads
	ctx, cancel := context.WithCancel(ctx)
	req = req.WithContext(ctx)
	req.RemoteAddr = c.remoteAddr
	req.TLS = c.tlsState
	_ = c.setReadDeadline(wholeReqDeadline)

	w := &response{
		c:                c,
		req:              req,
		reqBody:          req.Body,
		cancelCtx:        cancel,
		handlerHeader:    make(http.Header),
		contentLength:    -1,
		wants10KeepAlive: req.ProtoMajor == 1 && req.ProtoMinor == 0 && hasToken(headerGet(req.Header, "Connection"), "keep-alive"),
		wantsClose:       req.Close || hasToken(headerGet(req.Header, "Connection"), "close"),
		closeAfterReply:  h2Upgrade,
	}
	if req.Body != http.NoBody && req.Body != nil {
		t := &bodyTracker{c: c, src: req.Body, length: req.ContentLength, closing: req.Close,
			parsed: parsed, served: req}
		req.Body, w.reqBody, w.tracker = t, t, t
	}
	w.cw.res = w
	w.w = newResponseBuf(&w.cw)
	return w, nil
}

// checkRequestHeader makes the checks net/http's server adds to ReadRequest's: a Host header
// where HTTP/1.1 requires one, a well-formed one, valid field names and values. raw is the
// request's header section as read (rawOK false if it could not be kept), because ReadRequest
// drops the Host header. It reports whether the request is an HTTP/2 upgrade ("PRI *").
func checkRequestHeader(req *http.Request, raw []byte, rawOK bool) (bool, error) {
	host, haveHost := req.Host, req.Host != ""
	if (req.Host == "" || req.URL.Host != "") && rawOK {
		host, haveHost = rawHostHeader(raw)
	}
	h2Upgrade := req.Method == "PRI" && len(req.Header) == 0 && !haveHost && req.URL.Path == "*" && req.Proto == "HTTP/2.0"
	if req.ProtoAtLeast(1, 1) && !haveHost && !h2Upgrade && req.Method != http.MethodConnect {
		return false, badRequestError("missing required Host header")
	}
	if haveHost && !validHostHeader(host) {
		return false, badRequestError("malformed Host header")
	}
	for k, vv := range req.Header {
		if !validHeaderFieldName(k) {
			return false, badRequestError("invalid header name")
		}
		for _, v := range vv {
			if !validHeaderFieldValue(v) {
				return false, badRequestError("invalid header value")
			}
		}
	}
	return h2Upgrade, nil
}

// http1ServerSupportsRequest reports whether the HTTP/1.x server takes the request: HTTP/1.x,
// and "PRI * HTTP/2.0" so that handlers may take over an upgrade.
func http1ServerSupportsRequest(req *http.Request) bool {
	if req.ProtoMajor == 1 {
		return true
	}
	return req.ProtoMajor == 2 && req.ProtoMinor == 0 && req.Method == "PRI" && req.RequestURI == "*"
}

// refuse is readRequest's return for a request it refuses with err; with an access log it
// keeps the request's line (raw is what was read of its header, rawOK false if that could
// not be kept).
func (c *conn) refuse(raw []byte, rawOK bool, err error) (*response, error) {
	if c.srv.AccessLog != nil {
		c.refusedReq, c.refusedAny = rawRequestLine(raw), !rawOK || len(raw) > 0
	}
	return nil, err
}

// replyReadError answers a request that could not be read, as net/http does, and logs the
// answer; the connection closes after.
func (c *conn) replyReadError(err error, begin time.Time) {
	status, n := c.writeReadError(err)
	if status != 0 || c.refusedAny {
		c.logAccess(c.refusedReq, status, int64(n), begin)
	}
	if err == errTooLarge {
		c.closeWriteAndWait()
	}
}

// writeReadError writes net/http's answer to a request that could not be read: 431 for a
// header over the limit, 501 for a transfer coding it does not know, nothing when the client
// went away or timed out, the status of a statusError, else 400. It returns the status and
// the bytes written (0 and 0 for no answer).
func (c *conn) writeReadError(err error) (int, int) {
	const errorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	var n int
	switch {
	case err == errTooLarge:
		const publicErr = "431 Request Header Fields Too Large"
		n, _ = io.WriteString(c.rwc, "HTTP/1.1 "+publicErr+errorHeaders+publicErr)
		return http.StatusRequestHeaderFieldsTooLarge, n
	case isUnsupportedTEError(err):
		// RFC 9112, 6.1: a transfer coding the server does not understand is 501. The value is
		// not echoed, so that it cannot carry a script.
		n, _ = fmt.Fprintf(c.rwc, "HTTP/1.1 %d %s%sUnsupported transfer encoding",
			http.StatusNotImplemented, http.StatusText(http.StatusNotImplemented), errorHeaders)
		return http.StatusNotImplemented, n
	case isCommonNetReadError(err):
		return 0, 0
	}
	var se statusError
	if errors.As(err, &se) {
		n, _ = fmt.Fprintf(c.rwc, "HTTP/1.1 %d %s: %s%s%d %s: %s", se.code, http.StatusText(se.code), se.text,
			errorHeaders, se.code, http.StatusText(se.code), se.text)
		return se.code, n
	}
	const publicErr = "400 Bad Request"
	n, _ = io.WriteString(c.rwc, "HTTP/1.1 "+publicErr+errorHeaders+publicErr)
	return http.StatusBadRequest, n
}

// closeWriteAndWait flushes, sends FIN and waits rstAvoidanceDelay before the connection is
// closed, so the client reads the response before the RST that unread request bytes cause.
func (c *conn) closeWriteAndWait() {
	if c.bw != nil {
		_ = c.bw.Flush()
	}
	c.tlsSock.stopQueueing()
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = scheduler.Sleep(context.Background(), rstAvoidanceDelay)
}

// hijack hands the connection to the handler: the server stops watching it and forgets it.
func (c *conn) hijack() (net.Conn, *bufio.ReadWriter, error) {
	if c.hijackedv {
		return nil, nil, http.ErrHijacked
	}
	c.watch.abort()
	// What the response wrote is on the wire: the handler gets a writer of its own. A failed
	// flush leaves the connection the server's, which closes it.
	if err := c.bw.Flush(); err != nil {
		return nil, nil, err
	}
	if c.cr.hasByte {
		// The byte the watch's TLS read took goes into the reader handed over (the
		// connReader gives it before the socket's next bytes).
		if _, err := c.br.Peek(c.br.Buffered() + 1); err != nil {
			return nil, nil, fmt.Errorf("ghttp: Hijack: unexpected Peek failure reading buffered byte: %w", err)
		}
	}
	c.watch.free()
	c.tlsSock.stopQueueing()
	c.hijackedv = true
	_ = c.setDeadline(time.Time{})
	c.cr.c = nil
	c.bw.release()
	c.bw = nil
	buf := bufio.NewReadWriter(c.br, bufio.NewWriter(c.rwc))
	c.setState(http.StateHijacked)
	return c.rwc, buf, nil
}

// cleanup ends the connection's greenlet: it logs a panic as net/http does, and closes the
// connection unless it was hijacked. It also runs, from a link, for a greenlet killed before
// it started; it runs once.
func (c *conn) cleanup(p any) {
	if p != nil && p != http.ErrAbortHandler {
		buf := make([]byte, 64<<10)
		buf = buf[:runtime.Stack(buf, false)]
		c.srv.logf("http: panic serving %v: %v\n%s", c.remoteAddr, p, buf)
	}
	if c.finished {
		return
	}
	c.finished = true
	w := c.inflight
	if w != nil {
		// The handler panicked or was killed: its ResponseWriter refuses what comes next.
		w.handlerDone = true
		w.cancelCtx()
		w.canWriteContinue = false
	}
	if c.hijackedv {
		c.logUnfinished(w)
		return
	}
	if w != nil {
		c.watch.abort()
		w.stopWrites()
		_ = w.reqBody.Close()
	}
	c.close()
	c.logUnfinished(w) // once close flushed what the handler left in the connection's buffer
	c.setState(http.StateClosed)
}

// close flushes what is buffered and closes the connection.
func (c *conn) close() {
	c.watch.abort()
	c.watch.free()
	if c.bw != nil {
		_ = c.bw.Flush()
		c.bw.release()
		c.bw = nil
	}
	if c.br != nil {
		putBufioReader(c.br)
		c.br = nil
	}
	c.tlsSock.stopQueueing() // what crypto/tls queued goes out before its close_notify
	c.rawClosed = true
	_ = c.rwc.Close()
}

// closeRaw closes the socket under the connection at once (a failed write, the server's
// Close, from any greenlet of the hub): no TLS close_notify, nothing flushed, nothing waited
// for (a TLS read of the watch ends with the socket).
func (c *conn) closeRaw() {
	c.watch.free()
	c.rawClosed = true
	_ = c.sc.Close()
}

// setState records the connection's state, tracks it in the server and calls the ConnState
// hook.
func (c *conn) setState(state http.ConnState) {
	srv := c.srv
	switch state {
	case http.StateNew:
		srv.trackConn(c, true)
	case http.StateHijacked, http.StateClosed:
		srv.trackConn(c, false)
	}
	c.state = state
	if state == http.StateNew { // only a new connection's age counts (closeIdleConns)
		c.stateUnix = time.Now().Unix()
	}
	if hook := srv.ConnState; hook != nil {
		hook(c.rwc, state)
	}
	if srv.inShutdown.Load() {
		srv.changed.Set()
	}
}

// setReadDeadline sets the socket's read deadline, skipping the call that would clear a
// deadline that is not set: each request clears them several times, and a set checks the hub.
// Every read deadline of the connection's socket is set here while the server owns it.
func (c *conn) setReadDeadline(t time.Time) error {
	if t.IsZero() && !c.readDL {
		return nil
	}
	err := c.rwc.SetReadDeadline(t)
	c.readDL = !t.IsZero() || err != nil // after a failure, it may be set still
	return err
}

// setWriteDeadline is setReadDeadline for the write deadline.
func (c *conn) setWriteDeadline(t time.Time) error {
	if t.IsZero() && !c.writeDL {
		return nil
	}
	err := c.rwc.SetWriteDeadline(t)
	c.writeDL = !t.IsZero() || err != nil
	return err
}

// setDeadline sets both deadlines (setReadDeadline's skip applies to each).
func (c *conn) setDeadline(t time.Time) error {
	err := c.setReadDeadline(t)
	if err2 := c.setWriteDeadline(t); err == nil {
		err = err2
	}
	return err
}

// interruptRead ends a read of the request body that another greenlet waits in, by a past read
// deadline, and waits until done is set (by that read's return); the deadline's error does not
// count as the client leaving. A blocking call: from a greenlet of the hub.
func (c *conn) interruptRead(done *event.Event) {
	c.cr.interrupting = true
	_ = c.setReadDeadline(aLongTimeAgo)
	_ = done.Wait(context.Background())
	c.cr.interrupting = false
	_ = c.setReadDeadline(time.Time{})
}

// clientGone cancels the connection's context: the client closed or reset the connection
// while a handler ran.
func (c *conn) clientGone() {
	if c.cancelCtx != nil {
		c.cancelCtx()
	}
}

// connReader is what the connection's bufio.Reader reads from: it bounds the header's size,
// returns the byte a TLS background read took first, cancels the connection's context on a
// read error, and records what it reads while a header snapshot needs it.
type connReader struct {
	c         *conn // nil once hijacked: a plain pass-through
	rwc       net.Conn
	remain    int64
	hasByte   bool
	byteBuf   [1]byte
	reads     int
	rec       []byte
	recording bool
	inRead    bool // the connection's greenlet waits in a read of the socket
	// interrupting: a past read deadline ends a body read (bodyTracker.Close): its timeout is
	// not the client's doing.
	interrupting bool
}

func (cr *connReader) Read(p []byte) (int, error) {
	if cr.c == nil {
		return cr.rwc.Read(p)
	}
	if cr.remain <= 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > cr.remain {
		p = p[:cr.remain]
	}
	if cr.hasByte {
		p[0] = cr.byteBuf[0]
		cr.hasByte = false
		cr.remain--
		if cr.recording {
			cr.rec = append(cr.rec, p[0])
		}
		return 1, nil
	}
	cr.inRead = true
	n, err := cr.rwc.Read(p)
	cr.inRead = false
	cr.reads++
	if cr.recording {
		cr.rec = append(cr.rec, p[:n]...)
	}
	if err != nil && !(cr.interrupting && errors.Is(err, os.ErrDeadlineExceeded)) {
		cr.c.clientGone()
	}
	cr.remain -= int64(n)
	return n, err
}

// connWriter is what the connection's buffer writes to: it keeps the first write error
// and cancels the connection's context on it.
type connWriter struct{ c *conn }

func (w connWriter) Write(p []byte) (int, error) {
	var (
		n   int
		err error
	)
	if w.c.tlsSock != nil && w.c.tlsSock.queueing {
		n, err = w.c.tlsSock.writeTLS(p)
	} else {
		n, err = w.c.rwc.Write(p)
	}
	w.c.sent += int64(n)
	if err != nil {
		w.c.writeFailed(err)
	}
	return n, err
}

// writeFailed keeps the connection's first write error and cancels its context on it.
func (c *conn) writeFailed(err error) {
	if c.werr == nil {
		c.werr = err
		c.clientGone()
	}
}
