package ghttp

import (
	"io"
	"net/http"

	"github.com/geventgo/geventgo/scheduler"
)

// sniffLen is how many body bytes net/http looks at to guess a Content-Type.
const sniffLen = 512

// writerOnly hides response's ReadFrom from io.Copy, which would call it again.
type writerOnly struct{ io.Writer }

// ReadFrom copies src into the body (io.ReaderFrom, what io.Copy, io.CopyN and
// http.ServeContent call). As net/http does, the first 512 bytes go through Write, so that a
// Content-Type can be sniffed; then, on a plain (not TLS) connection with a body that is neither
// chunked nor refused, a regular file goes to the socket with sendfile(2) (socket.Conn.ReadFrom,
// under the write deadline) and past the declared Content-Length fails as Write does. Anything
// else is copied through Write.
func (w *response) ReadFrom(src io.Reader) (int64, error) {
	if err := w.usable("ResponseWriter.ReadFrom"); err != nil {
		return 0, err
	}
	if src == nil {
		return 0, &Error{Op: "ResponseWriter.ReadFrom", Err: scheduler.ErrNilArgument}
	}
	if w.c.tlsConn != nil {
		return io.Copy(writerOnly{w}, src)
	}
	var n int64
	if !w.cw.wroteHeader {
		n0, err := io.Copy(writerOnly{w}, io.LimitReader(src, sniffLen))
		n += n0
		if err != nil || n0 < sniffLen {
			return n, err
		}
	}
	if err := w.FlushError(); err != nil {
		return n, err
	}
	if !w.cw.chunking && w.bodyAllowed() && w.req.Method != http.MethodHead {
		n0, err := w.sendFile(src)
		n += n0
		if err != nil {
			return n, err
		}
	}
	n0, err := io.Copy(writerOnly{w}, src) // what is left: a body over its Content-Length fails
	return n + n0, err
}

// sendFile writes src straight to the socket, at most up to the declared Content-Length, once
// the header and everything buffered went out; the socket sends a regular file with sendfile.
func (w *response) sendFile(src io.Reader) (int64, error) {
	if err := w.startWrite("ResponseWriter.ReadFrom"); err != nil {
		return 0, err
	}
	defer w.endWrite()
	if w.c.hijackedv {
		return 0, http.ErrHijacked
	}
	if w.contentLength != -1 {
		src = io.LimitReader(src, w.contentLength-w.written)
	}
	n, err := w.c.sc.ReadFrom(src)
	w.written += n
	w.c.sent += n
	if err != nil {
		w.c.writeFailed(err)
	}
	return n, err
}
