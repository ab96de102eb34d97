package ghttp

import (
	"errors"
	"io"
	"net/http"
	"reflect"

	"github.com/geventgo/geventgo/event"
)

// bodyTracker wraps a request body as http.ReadRequest framed it (Content-Length or chunked)
// and keeps what the server needs after the handler: whether the body was read to its end,
// how much is left, whether it was closed. Close does not drain the whole body as net/http's
// own Close would for a body it did not serve: like the server's, it reads at most
// maxPostHandlerReadBytes looking for the end, and notes an early close otherwise.
//
// One greenlet reads at a time: net/http's body takes a sync.Mutex around a read that waits on
// the socket, so a second reader, or the server draining or closing the body meanwhile, would
// block the hub's goroutine on that lock for good. A second Read fails instead, and Close ends
// the read in progress (which returns http.ErrBodyReadAfterClose) and waits for it.
type bodyTracker struct {
	c           *conn         // whose hub's greenlets may read the body, and whose socket it is on
	src         io.ReadCloser // the framed body
	length      int64         // the request's Content-Length, -1 when chunked
	closing     bool          // the connection closes after this request (no point draining)
	read        int64
	sawEOF      bool
	closed      bool
	earlyClose  bool        // closed with body bytes left unread
	reading     bool        // a greenlet waits in a Read of src
	interrupted bool        // Close ended a Read in progress: where the body ends is unknown
	readEnd     event.Event // set when the Read that Close interrupted returns
	onEOF       func()      // called once, when the end is read
	// parsed is the request http.ReadRequest returned, whose body merges the trailers it
	// reads into parsed.Trailer; served is the copy the handler got (WithContext), which must
	// see them too when no Trailer header declared them (parsed.Trailer was nil, so the
	// merge made a map served does not share) or the handler put a map of its own there.
	parsed, served *http.Request
}

// errConcurrentBodyRead is the cause of a request body Read while another greenlet's Read of
// it waits (net/http panics then).
var errConcurrentBodyRead = errors.New("concurrent Body.Read")

func (b *bodyTracker) Read(p []byte) (int, error) {
	const op = "request body Read"
	if err := b.c.hub.Check(); err != nil {
		return 0, &Error{Op: op, Err: err}
	}
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.sawEOF {
		return 0, io.EOF
	}
	if b.reading {
		return 0, &Error{Op: op, Err: errConcurrentBodyRead}
	}
	b.reading = true
	n, err := b.src.Read(p)
	b.reading = false
	if b.closed {
		b.readEnd.Set() // Close ended this read and waits for it
		return 0, http.ErrBodyReadAfterClose
	}
	b.read += int64(n)
	if err == io.EOF {
		b.hitEOF()
	}
	return n, err
}

func (b *bodyTracker) hitEOF() {
	b.sawEOF = true
	b.mergeTrailer()
	if fn := b.onEOF; fn != nil {
		b.onEOF = nil
		fn()
	}
}

// mergeTrailer shows the handler's request the trailers net/http's body merged into parsed, as
// net/http's server, where the two requests are one, merges them into the handler's r.Trailer:
// into a nil r.Trailer the fields received (that map itself when no Trailer header declared
// them), into a map the handler put there of its own the fields received copied (a declared
// field the trailer did not send has no value, and stays out).
func (b *bodyTracker) mergeTrailer() {
	t, dst := b.parsed.Trailer, b.served.Trailer
	switch {
	case t == nil:
	case dst == nil:
		b.served.Trailer = receivedTrailer(t)
	case reflect.ValueOf(t).UnsafePointer() != reflect.ValueOf(dst).UnsafePointer():
		for k, v := range t {
			if v != nil {
				dst[k] = v
			}
		}
	}
}

// receivedTrailer returns the fields of t the trailer sent: nil when it sent none, t itself
// when t holds nothing else, else a new map without the fields a Trailer header declared and
// the trailer did not send (keys without values), as net/http's merge into a nil map does
// (the handler set r.Trailer to nil).
func receivedTrailer(t http.Header) http.Header {
	n := 0
	for _, v := range t {
		if v != nil {
			n++
		}
	}
	switch n {
	case 0:
		return nil
	case len(t):
		return t
	}
	m := make(http.Header, n)
	for k, v := range t {
		if v != nil {
			m[k] = v
		}
	}
	return m
}

// unread returns how many body bytes are left, -1 when that is not known (chunked).
func (b *bodyTracker) unread() int64 {
	if b.length < 0 {
		return -1
	}
	return b.length - b.read
}

// Close marks the body closed; unless its end was read, it reads up to
// maxPostHandlerReadBytes to reach it (a known remainder larger than that is not read at all),
// and notes an early close when it did not. A Read in progress in another greenlet is ended
// and waited for instead, and the connection is not reused.
func (b *bodyTracker) Close() error {
	if err := b.c.hub.Check(); err != nil {
		return &Error{Op: "request body Close", Err: err}
	}
	if b.closed {
		return nil
	}
	if b.reading {
		b.closed, b.earlyClose, b.interrupted = true, true, true
		b.c.interruptRead(&b.readEnd)
		return nil
	}
	var err error
	switch {
	case b.sawEOF:
	case b.length >= 0 && b.closing:
		// No trailers to read and the connection closes next: nothing to look for.
	default:
		if left := b.unread(); left > maxPostHandlerReadBytes {
			b.earlyClose = true
		} else {
			var n int64
			n, err = io.CopyN(io.Discard, b, maxPostHandlerReadBytes)
			if err == io.EOF || err == http.ErrBodyReadAfterClose {
				// The end, or net/http's body closed itself on a malformed trailer: its
				// Close then says nothing either.
				err = nil
			}
			if n == maxPostHandlerReadBytes {
				b.earlyClose = true
			}
		}
	}
	b.closed = true
	return err
}

// expectContinueReader is the body of a request that said "Expect: 100-continue": its first
// Read sends "100 Continue" unless the handler started the response first (once another
// greenlet's write in progress, an informational response, ends).
type expectContinueReader struct {
	resp   *response
	body   io.ReadCloser
	closed bool
	sawEOF bool
}

func (e *expectContinueReader) Read(p []byte) (int, error) {
	if err := e.resp.hubCheck(); err != nil {
		return 0, &Error{Op: "request body Read", Err: err}
	}
	if e.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if err := e.resp.writeContinue(); err != nil {
		return 0, &Error{Op: "request body Read", Err: err}
	}
	n, err := e.body.Read(p)
	if err == io.EOF {
		e.sawEOF = true
	}
	return n, err
}

func (e *expectContinueReader) Close() error {
	if err := e.resp.hubCheck(); err != nil {
		return &Error{Op: "request body Close", Err: err}
	}
	e.closed = true
	return e.body.Close()
}

func isExpectContinueReader(r io.ReadCloser) bool {
	_, ok := r.(*expectContinueReader)
	return ok
}
