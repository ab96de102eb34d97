package ghttp

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"sync"
	"time"
)

// headerGet returns the first value of a key already in canonical form, without
// canonicalising it again (Header.Get does).
func headerGet(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// hasHeader reports whether a canonical key is present, even with no value.
func hasHeader(h http.Header, key string) bool {
	_, ok := h[key]
	return ok
}

// hasToken reports whether token appears in v as a whole word, ignoring ASCII case, where a
// word is delimited by the ends of v, spaces, tabs and commas: the loose match net/http applies
// to Connection and Expect values. token must be lower-case ASCII.
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	if v == token {
		return true
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		if b := v[sp]; b != token[0] && b|0x20 != token[0] {
			continue
		}
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !isTokenBoundary(v[end]) {
			continue
		}
		if strings.EqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }

// statusError is a request error answered with its own status and text (plain text without
// anything from the request, since it is written unescaped).
type statusError struct {
	code int
	text string
}

func (e statusError) Error() string { return http.StatusText(e.code) + ": " + e.text }

func badRequestError(text string) error { return statusError{http.StatusBadRequest, text} }

// isCommonNetReadError reports whether reading a request failed because the client went away
// or was too slow: no answer is sent then.
func isCommonNetReadError(err error) bool {
	if err == io.EOF {
		return true
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return true
	}
	if oe, ok := err.(*net.OpError); ok && oe.Op == "read" {
		return true
	}
	return false
}

// isUnsupportedTEError reports whether http.ReadRequest refused a transfer coding it does not
// implement. net/http does not export that error's type, so its name is compared.
func isUnsupportedTEError(err error) bool {
	return err != nil && reflect.TypeOf(err).String() == "*http.unsupportedTEError"
}

// numLeadingCRorLF returns how many of v's first bytes are CR or LF.
func numLeadingCRorLF(v []byte) int {
	n := 0
	for _, b := range v {
		if b != '\r' && b != '\n' {
			break
		}
		n++
	}
	return n
}

// recordHeaderLooksLikeHTTP reports whether the first bytes a TLS server got are a plain HTTP
// request.
func recordHeaderLooksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// dateCache formats the Date header once a second. Hub-affine, like the server that owns it.
type dateCache struct {
	sec int64
	buf [len(http.TimeFormat)]byte
}

// now returns the current Date value; the slice is overwritten a second later.
func (d *dateCache) now() []byte {
	t := time.Now()
	if s := t.Unix(); s != d.sec || d.buf[0] == 0 {
		d.sec = s
		t.UTC().AppendFormat(d.buf[:0], http.TimeFormat)
	}
	return d.buf[:]
}

// Read buffers and the responses' 2 KiB buffers are pooled across connections, as net/http
// pools them.
var (
	bufioReaderPool sync.Pool
	responseBufPool sync.Pool
)

func newBufioReader(r io.Reader) *bufio.Reader {
	if v := bufioReaderPool.Get(); v != nil {
		br := v.(*bufio.Reader)
		br.Reset(r)
		return br
	}
	return bufio.NewReader(r)
}

func putBufioReader(br *bufio.Reader) {
	br.Reset(nil)
	bufioReaderPool.Put(br)
}

// newResponseBuf returns the buffer a response's body is held in before its header is
// written.
func newResponseBuf(w io.Writer) *bufio.Writer {
	if v := responseBufPool.Get(); v != nil {
		bw := v.(*bufio.Writer)
		bw.Reset(w)
		return bw
	}
	return bufio.NewWriterSize(w, bufferBeforeChunking)
}

func putResponseBuf(bw *bufio.Writer) {
	if bw == nil {
		return
	}
	bw.Reset(nil)
	responseBufPool.Put(bw)
}

// headerSnapshot keeps the raw header section of the request being read, because
// http.ReadRequest drops the Host header and the server must still tell a missing Host from an
// empty one, and check the Host of a request in absolute form. When the whole header is in the
// reader's buffer already (the usual case) the snapshot is a view of that buffer, which
// ReadRequest then reads without refilling; otherwise the connReader records what it reads.
type headerSnapshot struct {
	view  []byte
	reads int
}

// begin starts the snapshot of the request about to be read from br.
func (s *headerSnapshot) begin(br *bufio.Reader, cr *connReader) {
	buffered, _ := br.Peek(br.Buffered())
	if headerComplete(buffered) {
		s.view, s.reads = buffered, cr.reads
		return
	}
	s.view = nil
	cr.rec = append(cr.rec[:0], buffered...)
	cr.recording = true
}

// end returns the bytes ReadRequest consumed, and false if they could not be kept.
func (s *headerSnapshot) end(br *bufio.Reader, cr *connReader) ([]byte, bool) {
	if cr.recording {
		cr.recording = false
		return cr.rec[:len(cr.rec)-br.Buffered()], true
	}
	if cr.reads != s.reads {
		return nil, false // the reader refilled its buffer: the view is stale
	}
	v := s.view
	s.view = nil
	return v[:len(v)-br.Buffered()], true
}

// headerComplete reports whether b holds an empty line, the end of a header section.
func headerComplete(b []byte) bool {
	return bytes.Contains(b, []byte("\n\r\n")) || bytes.Contains(b, []byte("\n\n"))
}

// rawHostHeader finds the Host field in a raw header section (request line first), joining
// obsolete line folding as textproto does.
func rawHostHeader(raw []byte) (string, bool) {
	lines := bytes.Split(raw, []byte("\n"))
	value, found, inHost := "", false, false
	for i, line := range lines {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if i == 0 {
			continue
		}
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if inHost {
				value += " " + textproto.TrimString(string(line))
			}
			continue
		}
		inHost = false
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if ok && !found && strings.EqualFold(string(name), "Host") {
			value, found, inHost = textproto.TrimString(string(rest)), true, true
		}
	}
	return value, found
}
