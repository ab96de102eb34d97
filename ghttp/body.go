package ghttp

import (
	"io"
	"net/http"
)

// bodyTracker wraps a request body as http.ReadRequest framed it (Content-Length or chunked)
// and keeps what the server needs after the handler: whether the body was read to its end,
// how much is left, whether it was closed. Close does not drain the whole body as net/http's
// own Close would for a body it did not serve: like the server's, it reads at most
// maxPostHandlerReadBytes looking for the end, and notes an early close otherwise.
type bodyTracker struct {
	srv        *Server       // whose hub's greenlets may read the body
	src        io.ReadCloser // the framed body
	length     int64         // the request's Content-Length, -1 when chunked
	closing    bool          // the connection closes after this request (no point draining)
	read       int64
	sawEOF     bool
	closed     bool
	earlyClose bool   // closed with body bytes left unread
	onEOF      func() // called once, when the end is read
}

func (b *bodyTracker) Read(p []byte) (int, error) {
	if err := b.srv.hub.Hub().Check(); err != nil {
		return 0, &Error{Op: "request body Read", Err: err}
	}
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.sawEOF {
		return 0, io.EOF
	}
	n, err := b.src.Read(p)
	b.read += int64(n)
	if err == io.EOF {
		b.hitEOF()
	}
	return n, err
}

func (b *bodyTracker) hitEOF() {
	b.sawEOF = true
	if fn := b.onEOF; fn != nil {
		b.onEOF = nil
		fn()
	}
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
// and notes an early close when it did not.
func (b *bodyTracker) Close() error {
	if err := b.srv.hub.Hub().Check(); err != nil {
		return &Error{Op: "request body Close", Err: err}
	}
	if b.closed {
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
			if err == io.EOF {
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
// Read sends "100 Continue" unless the handler answered first.
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
	if w := e.resp; w.canWriteContinue {
		w.canWriteContinue = false
		_, _ = w.c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
		_ = w.c.bw.Flush()
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
