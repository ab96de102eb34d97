package ghttp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// errReadOnClosedResBody is what a response body's Read returns after Close (net/http's
// words).
var errReadOnClosedResBody = errors.New("http: read on closed response body")

// timeoutError is a Transport's own time limit (ResponseHeaderTimeout, TLSHandshakeTimeout):
// a net.Error whose Timeout is true, matching scheduler.ErrTimeout and, as net/http's does,
// context.DeadlineExceeded.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }
func (e *timeoutError) Is(target error) bool {
	return target == scheduler.ErrTimeout || target == context.DeadlineExceeded
}

var (
	errResponseHeaderTimeout = &timeoutError{"net/http: timeout awaiting response headers"}
	errTLSHandshakeTimeout   = &timeoutError{"net/http: TLS handshake timeout"}
)

// deadlineError is a request's context deadline reached by a socket deadline: the hub's timer
// may fire an instant before ctx.Err() says so, so scheduler.ContextError cannot be asked. It
// matches context.DeadlineExceeded and scheduler.ErrTimeout, as ContextError's does.
type deadlineError struct{}

func (deadlineError) Error() string   { return "context deadline exceeded" }
func (deadlineError) Timeout() bool   { return true }
func (deadlineError) Temporary() bool { return true }
func (deadlineError) Is(target error) bool {
	return target == context.DeadlineExceeded || target == scheduler.ErrTimeout
}

// persistConn is one client connection, kept for reuse between requests. Hub-affine.
type persistConn struct {
	st       *transportState
	key      connKey
	conn     net.Conn         // the socket, or the *tls.Conn over it
	sc       *socket.Conn     // the socket when DialContext made one (for the liveness peek)
	tlsSock  *tlsClientSocket // for https, what the *tls.Conn is over: the socket, its writes queued
	tlsState *tls.ConnectionState
	br       *bufio.Reader
	bw       *bufio.Writer
	rd       pcReader
	wr       pcWriter

	reused  bool
	closed  bool
	idleAt  time.Time
	lruElem *list.Element

	// The request in flight.
	ctx        context.Context
	gen        uint64 // bumped by arm and disarm: a late cancel from an earlier request is dropped
	canceled   bool   // the context's cancel arrived (the deadline was set in the past)
	ctxDL      time.Time
	rhtDL      time.Time // the ResponseHeaderTimeout deadline, while it is the read deadline
	dlSet      bool
	stopCancel func() bool
	keepAlive  bool
	writer     *scheduler.Greenlet[struct{}] // writes a request with a body
	writerRan  bool
	writeErr   error
	outAtStart int64     // wr.sent when the request's write began
	awaiting   bool      // roundTrip waits for the response header
	unsent     io.Closer // the body the writer is to send, until it runs
}

// pcReader is what the connection's bufio.Reader reads from: it bounds a response header and
// counts the bytes of the response.
type pcReader struct {
	pc        *persistConn
	limit     int64
	respBytes int64
}

func (r *pcReader) Read(p []byte) (int, error) {
	if r.limit <= 0 {
		return 0, fmt.Errorf("read limit of %d bytes exhausted", r.pc.st.t.maxResponseHeaderBytes())
	}
	if int64(len(p)) > r.limit {
		p = p[:r.limit]
	}
	n, err := r.pc.conn.Read(p)
	r.limit -= int64(n)
	r.respBytes += int64(n)
	return n, err
}

// pcWriter is what the connection's bufio.Writer writes to: it keeps the socket's error, which
// Request.Write returns wrapped in an unexported type errors.Is cannot see through when it
// happens while the body is copied, and counts what it wrote.
type pcWriter struct {
	pc   *persistConn
	err  error
	sent int64
}

func (w *pcWriter) Write(p []byte) (int, error) {
	n, err := w.pc.write(p)
	w.sent += int64(n)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// sentNothing reports whether nothing of the request in flight went out, as net/http counts
// it: no byte on a plain connection; on TLS no whole record, which is what crypto/tls counts
// as written (a record cut short cannot be decrypted).
func (pc *persistConn) sentNothing() bool {
	if pc.tlsSock != nil {
		return !pc.tlsSock.recordOut()
	}
	return pc.wr.sent == pc.outAtStart
}

// write writes p on the connection: on TLS through crypto/tls, which only queues it once the
// handshake is done, and then from its queue to the socket (see tlsQueue), so that a response
// read meanwhile in another greenlet never waits for crypto/tls's write lock on the hub's
// goroutine.
func (pc *persistConn) write(p []byte) (int, error) {
	if pc.tlsSock != nil {
		return pc.tlsSock.writeTLS(p)
	}
	return pc.conn.Write(p)
}

func (t *Transport) maxResponseHeaderBytes() int64 {
	if t.MaxResponseHeaderBytes > 0 {
		return t.MaxResponseHeaderBytes
	}
	return defaultMaxResponseHeaderBytes
}

// dial makes a connection for key: the dial, and the TLS handshake for https, bounded by ctx.
func (st *transportState) dial(ctx context.Context, key connKey) (*persistConn, error) {
	t := st.t
	var (
		conn net.Conn
		err  error
	)
	if t.DialContext != nil {
		conn, err = t.DialContext(ctx, "tcp", key.addr)
		if err == nil && conn == nil {
			err = fmt.Errorf("DialContext returned a nil connection: %w", scheduler.ErrNilArgument)
		}
	} else {
		var d socket.Dialer
		conn, err = d.DialContext(ctx, "tcp", key.addr)
	}
	if err != nil {
		return nil, err
	}
	pc := &persistConn{st: st, key: key, conn: conn}
	pc.sc, _ = conn.(*socket.Conn)
	if key.scheme == "https" {
		if err := pc.handshake(ctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	pc.rd.pc, pc.wr.pc = pc, pc
	pc.br = bufio.NewReaderSize(&pc.rd, 4<<10)
	pc.bw = bufio.NewWriterSize(&pc.wr, 4<<10)
	return pc, nil
}

// handshake runs the TLS client handshake in the calling greenlet, bounded by ctx and
// TLSHandshakeTimeout. Handshake, not HandshakeContext: with a context that can be cancelled
// crypto/tls starts a goroutine that closes the socket from outside the hub while this
// greenlet may wait for it on a channel.
func (pc *persistConn) handshake(ctx context.Context) error {
	t := pc.st.t
	cfg := &tls.Config{}
	if t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	}
	if cfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(pc.key.addr)
		cfg.ServerName = host
	}
	cfg.NextProtos = slices.DeleteFunc(slices.Clone(cfg.NextProtos), func(p string) bool { return p == "h2" })
	tc, ts := newTLSClient(pc.conn, cfg)
	pc.conn, pc.tlsSock = tc, ts
	pc.arm(ctx)
	var hsDL time.Time
	if d := t.TLSHandshakeTimeout; d > 0 {
		if dl := time.Now().Add(d); pc.ctxDL.IsZero() || dl.Before(pc.ctxDL) {
			hsDL = dl
			_ = tc.SetDeadline(dl)
			pc.dlSet = true
		}
	}
	err := tc.Handshake()
	var rhe tls.RecordHeaderError
	switch {
	case err == nil:
	case !hsDL.IsZero() && errors.Is(err, os.ErrDeadlineExceeded) && !pc.canceled:
		err = errTLSHandshakeTimeout
	case errors.As(err, &rhe) && string(rhe.RecordHeader[:]) == "HTTP/":
		// net/http's words for it, with the TLS error kept in the chain.
		err = fmt.Errorf("http: server gave HTTP response to HTTPS client: %w", err)
	default:
		err = pc.mapErr(err)
	}
	pc.disarm()
	if err != nil {
		return err
	}
	cs := tc.ConnectionState()
	pc.tlsState = &cs
	ts.queueing = true
	return nil
}

// arm bounds the connection's I/O by ctx: its deadline becomes the socket's, its cancel sets a
// deadline in the past through a Post to the hub. No goroutine runs unless ctx is cancelled.
func (pc *persistConn) arm(ctx context.Context) {
	pc.gen++
	pc.ctx, pc.canceled, pc.ctxDL, pc.rhtDL = ctx, false, time.Time{}, time.Time{}
	if dl, ok := ctx.Deadline(); ok {
		pc.ctxDL = dl
		_ = pc.conn.SetDeadline(dl)
		pc.dlSet = true
	}
	if ctx.Done() == nil {
		return
	}
	gen, h := pc.gen, pc.st.h
	pc.stopCancel = context.AfterFunc(ctx, func() {
		_ = h.Post(func() {
			if pc.gen == gen && !pc.closed {
				pc.canceled = true
				pc.dlSet = true
				_ = pc.conn.SetDeadline(aLongTimeAgo)
			}
		})
	})
}

// disarm ends arm's bounds.
func (pc *persistConn) disarm() {
	pc.gen++
	if pc.stopCancel != nil {
		pc.stopCancel()
		pc.stopCancel = nil
	}
	if pc.dlSet && !pc.closed {
		_ = pc.conn.SetDeadline(time.Time{})
	}
	pc.dlSet = false
	pc.ctxDL, pc.rhtDL = time.Time{}, time.Time{}
}

// mapErr turns an I/O error of the request in flight into the error of the limit that caused
// it: the context's cancel or deadline, or ResponseHeaderTimeout.
func (pc *persistConn) mapErr(err error) error {
	if e := pc.ctxEnd(err); e != nil {
		return e
	}
	if !pc.rhtDL.IsZero() && errors.Is(err, os.ErrDeadlineExceeded) {
		return errResponseHeaderTimeout
	}
	return err
}

// ctxEnd returns the end of the request's context that err, an I/O error of the request in
// flight, stands for: its cancel, or its deadline reached as the socket's (not
// ResponseHeaderTimeout's); nil when err is anything else.
func (pc *persistConn) ctxEnd(err error) error {
	switch {
	case pc.canceled:
		if e := scheduler.ContextError(pc.ctx); e != nil {
			return e
		}
		return context.Canceled
	case pc.rhtDL.IsZero() && !pc.ctxDL.IsZero() && errors.Is(err, os.ErrDeadlineExceeded):
		return deadlineError{}
	}
	return nil
}

// alive reports whether an idle connection is still open and quiet: a peek that finds
// nothing to read (the server has neither closed it nor sent anything unasked).
func (pc *persistConn) alive() bool {
	if pc.sc == nil {
		return true
	}
	var b [1]byte
	_, _, err := syscall.Recvfrom(pc.sc.Fd(), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err == syscall.EAGAIN
}

// answerPending reports whether the request's write failed on the socket itself (the
// connection is broken, so a read ends by itself) with bytes, or the close, waiting to be
// read: a server refusing a large body answers, then closes with the body unread, and the
// reset that follows its answer is what failed the write.
func (pc *persistConn) answerPending() bool {
	return pc.wr.err != nil && !pc.alive()
}

// roundTrip writes req on the connection and reads the response header; a request with a body
// is written by a greenlet of its own, so that a server answering before it read the whole
// body (a 413, a redirect) is heard.
func (pc *persistConn) roundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	t := pc.st.t
	pc.arm(ctx)
	pc.rd.respBytes = 0
	pc.writer, pc.writerRan, pc.writeErr, pc.wr.err = nil, false, nil, nil
	pc.outAtStart = pc.wr.sent
	if pc.tlsSock != nil {
		pc.tlsSock.markRecords()
	}
	r, addedGzip := pc.outgoing(req)
	if r.Body != nil && r.Body != http.NoBody {
		r = pc.startWriter(req, r) // which starts ResponseHeaderTimeout once the body is sent
	} else {
		if err := pc.writeRequest(r); err != nil {
			return nil, pc.fail(err)
		}
		pc.startHeaderTimeout()
	}
	pc.awaiting = true
	resp, err := pc.readResponse(req)
	pc.awaiting = false
	if err != nil {
		if pc.writer != nil && pc.writeErr != nil && !pc.canceled {
			err = pc.writeErr // the write failed first: its error says more
		}
		return nil, pc.fail(err)
	}
	resp.TLS = pc.tlsState
	// A 101 that switches nothing leaves the stream in an unknown state: net/http drops it too.
	pc.keepAlive = !resp.Close && !r.Close && !t.DisableKeepAlives && resp.StatusCode >= 200
	switch {
	case resp.StatusCode == http.StatusSwitchingProtocols && isProtocolSwitchResponse(resp.StatusCode, resp.Header):
		pc.detach()
		resp.Body = &switchedBody{pc: pc}
	case resp.Body == http.NoBody:
		pc.finish(true)
	default:
		body := &bodyEOF{pc: pc, body: resp.Body}
		resp.Body = body
		if addedGzip && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
			resp.Body = &gzipBody{body: body}
			resp.Header.Del("Content-Encoding")
			resp.Header.Del("Content-Length")
			resp.ContentLength = -1
			resp.Uncompressed = true
		}
	}
	return resp, nil
}

// outgoing returns the request to write: req itself, or a copy that says "Connection: close"
// (DisableKeepAlives) or asks for gzip, which addedGzip reports. With DisableKeepAlives a
// protocol switch request is left alone, as net/http leaves it: "Connection: close" would
// contradict its "Connection: Upgrade".
func (pc *persistConn) outgoing(req *http.Request) (r *http.Request, addedGzip bool) {
	t := pc.st.t
	closing := t.DisableKeepAlives && !req.Close && !isProtocolSwitchRequest(req.Header)
	addedGzip = t.asksGzip(req)
	if !closing && !addedGzip {
		return req, false
	}
	r = new(http.Request)
	*r = *req
	r.Close = r.Close || closing
	if addedGzip {
		r.Header = make(http.Header, len(req.Header)+1)
		maps.Copy(r.Header, req.Header) // the values are shared: Request.Write only reads them
		r.Header["Accept-Encoding"] = []string{"gzip"}
	}
	return r, addedGzip
}

// asksGzip reports whether the Transport asks for a gzip response to req and decodes it, as
// net/http's does: not with DisableCompression, nor when the caller chose an encoding itself,
// nor for a Range (a part of a gzip stream cannot be decoded), nor for HEAD (some servers
// answer that one wrongly).
func (t *Transport) asksGzip(req *http.Request) bool {
	return !t.DisableCompression && req.Method != http.MethodHead &&
		headerGet(req.Header, "Accept-Encoding") == "" && headerGet(req.Header, "Range") == ""
}

// isProtocolSwitchRequest reports whether a request asks for a protocol switch: an Upgrade
// field and the Upgrade token in Connection.
func isProtocolSwitchRequest(h http.Header) bool {
	return h.Get("Upgrade") != "" && headerValuesContainToken(h["Connection"], "Upgrade")
}

// startWriter spawns the greenlet that writes request r (req, or the copy roundTrip made) and
// its body while roundTrip reads the response, as net/http's writeLoop does, and returns the
// request it writes (a copy, never the caller's: the body is wrapped or probed).
func (pc *persistConn) startWriter(req, r *http.Request) *http.Request {
	pc.unsent = r.Body
	if r == req {
		r = new(http.Request)
		*r = *req
	}
	var body *recordingBody
	if !isKnownInMemoryReader(r.Body) {
		// In-memory bodies never fail, and Request.Write sends them with the header in one
		// write: a wrapper would cost them a write of their own.
		body = &recordingBody{rc: r.Body}
		r.Body = body
	}
	pc.writer = scheduler.Spawn(func() (struct{}, error) {
		pc.writerRan = true
		err := probeBody(r)
		if err == nil {
			err = pc.writeRequest(r)
		}
		switch {
		case err == nil:
		case body != nil && body.err != nil:
			err = body.err // the body's own error, not Request.Write's unexported wrapper
		case pc.wr.err != nil:
			err = pc.wr.err // the socket's, likewise
		}
		pc.writeErr = err
		switch {
		case !pc.awaiting || pc.closed: // the response came first
		case err == nil:
			pc.startHeaderTimeout()
		case !pc.answerPending():
			// No response can follow a request cut short: wake the header read, unless the
			// socket broke with the server's answer already in it, which the read is left to
			// take.
			_ = pc.conn.SetReadDeadline(aLongTimeAgo)
		}
		return struct{}{}, nil
	})
	pc.writer.SetName("ghttp request body " + pc.key.addr)
	return r
}

func (pc *persistConn) writeRequest(r *http.Request) error {
	if err := r.Write(pc.bw); err != nil {
		return err
	}
	return pc.bw.Flush()
}

// startHeaderTimeout bounds the wait for the response header by ResponseHeaderTimeout from now,
// the end of the request's write (body included), where net/http starts it too.
func (pc *persistConn) startHeaderTimeout() {
	d := pc.st.t.ResponseHeaderTimeout
	if d <= 0 || pc.canceled {
		return
	}
	if dl := time.Now().Add(d); pc.ctxDL.IsZero() || dl.Before(pc.ctxDL) {
		pc.rhtDL = dl
		pc.dlSet = true
		_ = pc.conn.SetReadDeadline(dl)
	}
}

// readResponse reads the response header, skipping informational responses, under
// ResponseHeaderTimeout and the header size limit. As in net/http, the limit spans the
// informational responses and the final one together: it alone bounds how many may come. A
// header that fails once its first byte came fails in net/http's words, the connection
// broken, wrapping the cause.
func (pc *persistConn) readResponse(req *http.Request) (*http.Response, error) {
	limit := pc.st.t.maxResponseHeaderBytes()
	pc.rd.limit = limit
	// A close before the first byte is io.EOF, as net/http reports it (ReadResponse would say
	// io.ErrUnexpectedEOF).
	if _, err := pc.br.Peek(1); err != nil {
		return nil, err
	}
	for {
		resp, err := http.ReadResponse(pc.br, req)
		if err != nil {
			if pc.rd.limit <= 0 {
				err = fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", limit)
			}
			return nil, fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", err)
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			pc.rd.limit = math.MaxInt64
			if !pc.rhtDL.IsZero() {
				pc.rhtDL = time.Time{}
				_ = pc.conn.SetReadDeadline(pc.ctxDL)
			}
			return resp, nil
		}
	}
}

// fail ends a request that failed: the connection is closed and the error mapped to the limit
// that caused it.
func (pc *persistConn) fail(err error) error {
	err = pc.mapErr(err)
	pc.disarm()
	pc.close()
	pc.stopWriter()
	return err
}

// finish ends a request whose response was read (ok) or abandoned: the connection goes back to
// the pool when it can take another request, and is closed otherwise.
func (pc *persistConn) finish(ok bool) {
	pc.disarm()
	// Bytes already buffered after the response's end were sent unasked: taken for the next
	// response they would answer a request they do not belong to (net/http closes then too).
	reusable := ok && pc.keepAlive && !pc.closed && pc.br.Buffered() == 0
	if w := pc.writer; w != nil && (!w.Ready() || pc.writeErr != nil) {
		reusable = false // the request body was not (all) sent: the stream is out of step
	}
	if reusable {
		pc.writer = nil
		pc.st.putIdle(pc)
		return
	}
	pc.close()
	pc.stopWriter()
}

// stopWriter ends the request body's greenlet after the connection closed: one that never ran
// dies unstarted and the body is closed here; one that runs ends at its next socket call
// (Request.Write closes the body then).
func (pc *persistConn) stopWriter() {
	w := pc.writer
	pc.writer = nil
	if w != nil && !w.Ready() {
		_ = w.KillAsync(nil)
		if !pc.writerRan && pc.unsent != nil {
			_ = pc.unsent.Close()
		}
	}
	pc.unsent = nil
}

// close closes the connection and frees its slot of the host.
func (pc *persistConn) close() {
	if pc.closed {
		return
	}
	pc.closed = true
	_ = pc.conn.Close()
	pc.st.released(pc.key)
}

// closeRaw closes the socket without TLS's close_notify, from any goroutine.
func (pc *persistConn) closeRaw() {
	pc.closed = true
	switch {
	case pc.sc != nil:
		_ = pc.sc.Close()
	case pc.tlsSock != nil:
		_ = pc.tlsSock.Conn.Close()
	default:
		_ = pc.conn.Close()
	}
}

// detach hands the connection over to a switched protocol: it leaves the pool.
func (pc *persistConn) detach() {
	pc.disarm()
	pc.st.released(pc.key)
}

// retryable reports whether a request that failed on pc may be made again on a new
// connection, by net/http's Transport's rule (shouldRetryRequest): pc was reused (an idle
// connection the server may have closed meanwhile), nothing of the response arrived, the
// request's body did not fail (it would again), the failure is no limit's (the context, a
// deadline, a kill), and either nothing of the request went out and it has no body or one
// GetBody rewinds, whatever its method, or its write ended without a socket error (the
// response's read failed) and it can be replayed (isReplayable). A request whose write failed
// on the socket once some of it went out is not made again, as net/http's is not.
func (pc *persistConn) retryable(ctx context.Context, req *http.Request, err error) bool {
	bodyFailed := pc.writeErr != nil && pc.wr.err == nil
	if !pc.reused || pc.rd.respBytes != 0 || bodyFailed || ctx.Err() != nil || pc.canceled ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, scheduler.ErrTimeout) ||
		errors.Is(err, scheduler.ErrGreenletExit) {
		return false
	}
	if pc.sentNothing() {
		return outgoingLength(req) == 0 || req.GetBody != nil
	}
	return pc.wr.err == nil && isReplayable(req)
}

// bodyEOF is the response body the Transport returns: reading it to the end gives the
// connection back for reuse, an error or an early Close closes it.
type bodyEOF struct {
	pc   *persistConn
	body io.ReadCloser
	done bool
	err  error // what Read returns once done
}

func (b *bodyEOF) Read(p []byte) (int, error) {
	if err := b.pc.st.h.CheckWait(); err != nil {
		return 0, &Error{Op: "response body Read", Err: err}
	}
	if b.done {
		return 0, b.err
	}
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.done, b.err = true, io.EOF
		b.pc.finish(true)
	case err != nil:
		if e := b.pc.ctxEnd(err); e != nil {
			// Named by the read, as RoundTrip names the context's end it meets.
			err = &Error{Op: "response body Read", Err: e}
		}
		b.done, b.err = true, err
		b.pc.finish(false)
	}
	return n, err
}

// Close gives the connection back, or closes it before the body's end. A greenlet the hub's
// Destroy kills may still close it (its deferred Close), so the connection does not outlive
// the hub.
func (b *bodyEOF) Close() error {
	h := b.pc.st.h
	if err := h.Check(); err != nil && !(errors.Is(err, scheduler.ErrHubDestroyed) && h.OnHub()) {
		return &Error{Op: "response body Close", Err: err}
	}
	if !b.done {
		b.done = true
		b.pc.finish(false)
	}
	b.err = errReadOnClosedResBody
	return nil
}

// gzipReaders holds the decoders of gzip bodies between responses, as net/http pools them.
var gzipReaders sync.Pool

// gzipBody decodes a gzip response body the Transport asked for. The decoder is taken at the
// first Read and given back at the stream's end or at Close.
type gzipBody struct {
	body *bodyEOF
	zr   *gzip.Reader
	err  error // what Read returns once the stream ended, failed or was closed
}

func (gz *gzipBody) Read(p []byte) (int, error) {
	if gz.err != nil {
		return 0, gz.err
	}
	if err := gz.body.pc.st.h.CheckWait(); err != nil {
		return 0, &Error{Op: "response body Read", Err: err}
	}
	if gz.zr == nil {
		zr, err := newGzipReader(gz.body)
		if err != nil {
			gz.err = err
			return 0, err
		}
		gz.zr = zr
	}
	n, err := gz.zr.Read(p)
	if err != nil {
		gz.err = err
		gz.release()
	}
	return n, err
}

func (gz *gzipBody) Close() error {
	if err := gz.body.Close(); err != nil {
		return err // not from a greenlet of the hub: nothing changed
	}
	gz.release()
	gz.err = errReadOnClosedResBody
	return nil
}

// release gives the decoder back to the pool.
func (gz *gzipBody) release() {
	if gz.zr != nil {
		putGzipReader(gz.zr)
		gz.zr = nil
	}
}

// newGzipReader returns a pooled decoder reading r, whose gzip header it has read.
func newGzipReader(r io.Reader) (*gzip.Reader, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	if zr == nil {
		return gzip.NewReader(r)
	}
	if err := zr.Reset(r); err != nil {
		putGzipReader(zr)
		return nil, err
	}
	return zr, nil
}

// putGzipReader pools a decoder, pointed first at an empty flate.Reader so that it keeps
// neither the body nor a bufio.Reader of its own.
func putGzipReader(zr *gzip.Reader) {
	_ = zr.Reset(eofReader{})
	gzipReaders.Put(zr)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
func (eofReader) ReadByte() (byte, error)  { return 0, io.EOF }

// probeBody does in the writer's greenlet what Request.Write would do from a goroutine of its
// own, where a cooperative body cannot be read (and waiting for which blocks the hub): for a
// method that usually has no body and a body of unknown length, it reads the first byte to
// tell an empty body from one to send chunked.
func probeBody(r *http.Request) error {
	if r.ContentLength != 0 || len(r.TransferEncoding) != 0 {
		return nil
	}
	switch r.Method {
	case "GET", "HEAD", "DELETE", "OPTIONS", "PROPFIND", "SEARCH":
	default:
		return nil
	}
	body := r.Body
	var b [1]byte
	n, err := body.Read(b[:])
	switch {
	case n == 1:
		rest := io.Reader(body)
		if err != nil {
			rest = errReader{err}
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b[:1]), rest), body}
		r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
		return nil
	case err == io.EOF:
		r.Body = nil
		return body.Close()
	case err != nil:
		_ = body.Close()
		return err
	}
	// A zero-byte read without an error: send what follows chunked.
	r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
	return nil
}

// isKnownInMemoryReader reports whether Request.Write takes r for a body in memory, which
// it sends with the header in one write: the readers of bytes and strings, bare or in an
// io.NopCloser, as http.NewRequest makes them.
func isKnownInMemoryReader(r io.Reader) bool {
	switch r.(type) {
	case *bytes.Reader, *bytes.Buffer, *strings.Reader:
		return true
	}
	if t := reflect.TypeOf(r); t == nopCloserType || t == nopCloserWriterToType {
		inner, _ := reflect.ValueOf(r).Field(0).Interface().(io.Reader)
		return isKnownInMemoryReader(inner)
	}
	return false
}

// The types of io.NopCloser's results, with and without WriteTo.
var (
	nopCloserType         = reflect.TypeOf(io.NopCloser(nil))
	nopCloserWriterToType = reflect.TypeOf(io.NopCloser(struct {
		io.Reader
		io.WriterTo
	}{}))
)

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// recordingBody keeps the error of a request body's Read, which Request.Write returns wrapped
// in an unexported type that errors.Is cannot see through.
type recordingBody struct {
	rc  io.ReadCloser
	err error
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

func (b *recordingBody) Close() error { return b.rc.Close() }

// switchedBody is the body of a 101 Switching Protocols response: the connection itself, to
// read and write the new protocol (net/http returns an io.ReadWriteCloser there too).
type switchedBody struct{ pc *persistConn }

func (b *switchedBody) Read(p []byte) (int, error)  { return b.pc.br.Read(p) }
func (b *switchedBody) Write(p []byte) (int, error) { return b.pc.write(p) }
func (b *switchedBody) Close() error {
	b.pc.closed = true
	return b.pc.conn.Close()
}
