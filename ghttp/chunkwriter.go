package ghttp

import (
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
)

// chunkWriter sits between a response's buffer and the connection's writer: its first write
// finalises the header (Content-Length, Content-Type, Connection, Transfer-Encoding, Date) and
// writes it, later writes frame the body, chunked through httputil's chunked writer when the
// length is not known.
type chunkWriter struct {
	res *response
	// header is a snapshot of the handler's header taken at WriteHeader (nil if the handler
	// never called Header, so it has none); writeHeader edits it freely.
	header      http.Header
	wroteHeader bool // the header is in the connection's writer
	chunking    bool // the body is sent chunked
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	if !cw.wroteHeader {
		cw.writeHeader(p)
	}
	res := cw.res
	if res.req.Method == http.MethodHead {
		return len(p), nil // HEAD: the body is counted, not sent
	}
	var (
		n   int
		err error
	)
	if cw.chunking {
		n, err = res.c.chunked.Write(p)
	} else {
		n, err = res.c.bw.Write(p)
	}
	if err != nil {
		res.c.closeRaw()
	}
	return n, err
}

// flush writes the header if needed and flushes the connection's writer.
func (cw *chunkWriter) flush() error {
	if !cw.wroteHeader {
		cw.writeHeader(nil)
	}
	return cw.res.c.bw.Flush()
}

// close ends the body: the zero-length chunk, the trailers and the final CRLF when chunking.
func (cw *chunkWriter) close() {
	if !cw.wroteHeader {
		cw.writeHeader(nil)
	}
	if !cw.chunking {
		return
	}
	bw := cw.res.c.bw
	_ = cw.res.c.chunked.Close()
	if t := cw.res.finalTrailers(); t != nil {
		cw.res.c.writeHeaderFields(t, nil)
	}
	_, _ = bw.WriteString("\r\n")
}

// extraHeader holds the headers writeHeader adds, written after the handler's own without
// touching its map.
type extraHeader struct {
	contentType      string
	connection       string
	transferEncoding string
	date             []byte
	contentLength    []byte
}

func (h *extraHeader) write(bw *connBuf) {
	if h.date != nil {
		_, _ = bw.WriteString("Date: ")
		_, _ = bw.Write(h.date)
		_, _ = bw.WriteString("\r\n")
	}
	if h.contentLength != nil {
		_, _ = bw.WriteString("Content-Length: ")
		_, _ = bw.Write(h.contentLength)
		_, _ = bw.WriteString("\r\n")
	}
	for _, kv := range [...][2]string{
		{"Content-Type", h.contentType},
		{"Connection", h.connection},
		{"Transfer-Encoding", h.transferEncoding},
	} {
		if kv[1] != "" {
			_, _ = bw.WriteString(kv[0])
			_, _ = bw.WriteString(": ")
			_, _ = bw.WriteString(kv[1])
			_, _ = bw.WriteString("\r\n")
		}
	}
}

// headerState is what writeHeader works out, step by step.
// Its header's keys are canonical literals: headerGet and delete, since Get and Del would
// canonicalise them again.
type headerState struct {
	header  http.Header     // the snapshot, or nil
	exclude map[string]bool // keys of header not to write
	set     extraHeader
	te      string // the handler's Transfer-Encoding
	hasTE   bool
}

// writeHeader finalises the header, as net/http's chunkWriter.writeHeader does, and writes it
// to the connection's writer. p is the first chunk of the body (not written here): it is
// sniffed for a Content-Type and, when the handler is done, gives the Content-Length.
func (cw *chunkWriter) writeHeader(p []byte) {
	if cw.wroteHeader {
		return
	}
	cw.wroteHeader = true
	w := cw.res
	hs := headerState{header: cw.header}
	trailers := cw.declareTrailers(&hs)
	hs.te = headerGet(hs.header, "Transfer-Encoding")
	hs.hasTE = hs.te != ""
	isHEAD := w.req.Method == http.MethodHead

	// A handler that finished without a Content-Length, writing everything at once, gets one
	// (even 0), which keeps HTTP/1.0 keep-alive clients alive. Not for HEAD with nothing
	// written: the handler may have skipped the body because it is HEAD.
	if w.handlerDone && !trailers && !hs.hasTE && bodyAllowedForStatus(w.status) &&
		!hasHeader(hs.header, "Content-Length") && (!isHEAD || len(p) > 0) {
		w.contentLength = int64(len(p))
		hs.set.contentLength = strconv.AppendInt(w.clenBuf[:0], int64(len(p)), 10)
	}
	cw.decideKeepAlive(&hs, isHEAD)
	if w.req.ContentLength != 0 && !w.closeAfterReply && !w.fullDuplex {
		cw.drainRequestBody(&hs)
	}
	cw.contentTypeAndDate(&hs, p)
	cw.decideFraming(&hs, isHEAD)
	if !w.req.ProtoAtLeast(1, 0) {
		return
	}
	// Say "Connection: close" when closing, unless this is a successful protocol switch or
	// the handler said close itself with keep-alives on.
	if w.closeAfterReply && (w.keepAlivesOff || !hasToken(headerGet(hs.header, "Connection"), "close")) &&
		!isProtocolSwitchResponse(w.status, hs.header) {
		delete(hs.header, "Connection")
		if w.req.ProtoAtLeast(1, 1) {
			hs.set.connection = "close"
		}
	}
	bw := w.c.bw
	writeStatusLine(bw, w.req.ProtoAtLeast(1, 1), w.status, w.statusBuf[:])
	w.c.writeHeaderFields(hs.header, hs.exclude)
	hs.set.write(bw)
	_, _ = bw.WriteString("\r\n")
}

// declareTrailers hides the "Trailer:"-prefixed keys from the header, notes the keys the
// "Trailer" header declares, and reports whether the response has trailers.
func (cw *chunkWriter) declareTrailers(hs *headerState) bool {
	trailers := false
	for k := range hs.header {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			if hs.exclude == nil {
				hs.exclude = make(map[string]bool)
			}
			hs.exclude[k] = true
			trailers = true
		}
	}
	for _, v := range hs.header["Trailer"] {
		trailers = true
		forEachHeaderElement(v, cw.res.declareTrailer)
	}
	return trailers
}

// decideKeepAlive works out whether the connection closes after this response.
func (cw *chunkWriter) decideKeepAlive(hs *headerState, isHEAD bool) {
	w := cw.res
	keepAlives := w.c.srv.doKeepAlives()
	w.keepAlivesOff = !keepAlives
	// HTTP/1.0 keep-alive works when the handler sent a length and said keep-alive itself.
	if w.wants10KeepAlive && keepAlives {
		if headerGet(hs.header, "Content-Length") != "" && headerGet(hs.header, "Connection") == "keep-alive" {
			w.closeAfterReply = false
		}
	}
	hasCL := w.contentLength != -1
	if w.wants10KeepAlive && (isHEAD || hasCL || !bodyAllowedForStatus(w.status)) {
		if _, set := hs.header["Connection"]; !set {
			hs.set.connection = "keep-alive"
		}
	} else if !w.req.ProtoAtLeast(1, 1) || w.wantsClose {
		w.closeAfterReply = true
	}
	if headerGet(hs.header, "Connection") == "close" || !keepAlives {
		w.closeAfterReply = true
	}
	// Expect: 100-continue and the body was not read to its end: the client may still be
	// sending it, or never will; either way the connection is done.
	if ecr, ok := w.req.Body.(*expectContinueReader); ok && !ecr.sawEOF {
		w.closeAfterReply = true
	}
}

// drainRequestBody reads what is left of the request body (up to maxPostHandlerReadBytes)
// before the response starts, so that clients that write their whole request before reading
// do not deadlock; a body too large to drain closes the connection instead.
func (cw *chunkWriter) drainRequestBody(hs *headerState) {
	w := cw.res
	var discard, tooBig bool
	switch {
	case isExpectContinueReader(w.req.Body):
		// Read to its end already, or closeAfterReply would be set.
	case w.tracker != nil && w.req.Body == io.ReadCloser(w.tracker):
		b := w.tracker
		switch {
		case b.closed:
			if !b.sawEOF {
				w.closeAfterReply = true // closed by the handler on an error
			}
		case b.unread() >= maxPostHandlerReadBytes:
			tooBig = true
		default:
			discard = true
		}
	default:
		discard = true // the handler replaced Body: drain the original
	}
	if discard {
		_, err := io.CopyN(io.Discard, w.reqBody, maxPostHandlerReadBytes+1)
		switch err {
		case nil:
			tooBig = true // more than the limit left
		case http.ErrBodyReadAfterClose:
			if w.tracker != nil && !w.tracker.sawEOF {
				// Closed before its end: by the handler through a Body of its own, or, with the
				// tracker open, net/http's body under it closed itself on a malformed trailer.
				// What follows on the wire is not a request either way (net/http's case of a
				// body closed before its end, which it sees only in a body still in r.Body).
				w.closeAfterReply = true
			}
		case io.EOF:
			if w.reqBody.Close() != nil {
				w.closeAfterReply = true
			}
		default:
			// A read timeout, a bad chunk: what follows on the wire is not a request.
			w.closeAfterReply = true
		}
	}
	if tooBig {
		w.requestTooLarge()
		delete(hs.header, "Connection")
		hs.set.connection = "close"
	}
}

// contentTypeAndDate sniffs a Content-Type when the handler set none (and no
// Content-Encoding), drops the headers a body-less status may not carry, and adds Date.
func (cw *chunkWriter) contentTypeAndDate(hs *headerState, p []byte) {
	w := cw.res
	if bodyAllowedForStatus(w.status) {
		_, haveType := hs.header["Content-Type"]
		hasCE := headerGet(hs.header, "Content-Encoding") != ""
		if !hasCE && !haveType && !hs.hasTE && len(p) > 0 {
			hs.set.contentType = http.DetectContentType(p)
		}
	} else {
		for _, k := range suppressedHeaders(w.status) {
			delete(hs.header, k)
		}
	}
	if !hasHeader(hs.header, "Date") {
		hs.set.date = w.c.srv.date.now()
	}
}

// decideFraming chooses Content-Length, chunked or close-delimited framing for the body.
func (cw *chunkWriter) decideFraming(hs *headerState, isHEAD bool) {
	w := cw.res
	hasCL := w.contentLength != -1
	if hasCL && hs.hasTE && hs.te != "identity" {
		w.c.srv.logf("http: WriteHeader called with both Transfer-Encoding of %q and a Content-Length of %d",
			hs.te, w.contentLength)
		delete(hs.header, "Content-Length")
		hasCL = false
	}
	switch {
	case isHEAD || !bodyAllowedForStatus(w.status) || w.status == http.StatusNoContent:
		delete(hs.header, "Transfer-Encoding")
	case hasCL:
		delete(hs.header, "Transfer-Encoding")
	case w.req.ProtoAtLeast(1, 1):
		if hs.hasTE && hs.te == "identity" {
			// Close-delimited, as Server-Sent Events ask for.
			cw.chunking = false
			w.closeAfterReply = true
			delete(hs.header, "Transfer-Encoding")
		} else {
			cw.chunking = true
			hs.set.transferEncoding = "chunked"
			if hs.hasTE && hs.te == "chunked" {
				delete(hs.header, "Transfer-Encoding") // written by set
			}
		}
	default:
		// HTTP/1.0 without a length: the close ends the body.
		w.closeAfterReply = true
		delete(hs.header, "Transfer-Encoding")
	}
	if cw.chunking {
		delete(hs.header, "Content-Length")
	}
}

// forEachHeaderElement calls fn for each non-empty element of a comma-separated header value
// (RFC 9110, 5.6.1).
func forEachHeaderElement(v string, fn func(string)) {
	v = textproto.TrimString(v)
	if v == "" {
		return
	}
	if !strings.Contains(v, ",") {
		fn(v)
		return
	}
	for f := range strings.SplitSeq(v, ",") {
		if f = textproto.TrimString(f); f != "" {
			fn(f)
		}
	}
}

// isProtocolSwitchResponse reports whether a response switches protocols (101 with Upgrade).
func isProtocolSwitchResponse(code int, h http.Header) bool {
	return code == http.StatusSwitchingProtocols && headerGet(h, "Upgrade") != "" &&
		headerValuesContainToken(h["Connection"], "Upgrade")
}

// headerField is a key of a header and its values, as writeHeaderFields sorts them.
type headerField struct {
	key    string
	values []string
}

// writeHeaderFields writes h to the connection's writer as h.WriteSubset(bw, exclude) does,
// byte for byte: the keys sorted, those in exclude and invalid names left out, one line per
// value, CR and LF in a value turned into spaces and the value trimmed. It sorts in the
// connection's scratch slice, cleared after, where WriteSubset takes a sorter from a sync.Pool
// and runs a strings.Replacer over every value.
func (c *conn) writeHeaderFields(h http.Header, exclude map[string]bool) {
	fields := c.fields[:0]
	for k, vv := range h {
		if !exclude[k] {
			fields = append(fields, headerField{k, vv})
		}
	}
	if len(fields) > 1 {
		slices.SortFunc(fields, func(a, b headerField) int { return strings.Compare(a.key, b.key) })
	}
	bw := c.bw
	for _, f := range fields {
		if !validHeaderFieldName(f.key) {
			continue // net/http drops it too: a handler's write has no error to return
		}
		for _, v := range f.values {
			_, _ = bw.WriteString(f.key)
			_, _ = bw.WriteString(": ")
			writeHeaderValue(bw, v)
			_, _ = bw.WriteString("\r\n")
		}
	}
	clear(fields) // no reference to this response's strings outlives it
	c.fields = fields[:0]
}

// writeHeaderValue writes a header value trimmed, its CR and LF turned into spaces (trimming
// first is the same: both bytes are among those trimmed, and so is the space).
func writeHeaderValue(bw *connBuf, v string) {
	v = textproto.TrimString(v)
	for {
		i := strings.IndexAny(v, "\r\n")
		if i < 0 {
			_, _ = bw.WriteString(v)
			return
		}
		_, _ = bw.WriteString(v[:i])
		_, _ = bw.WriteString(" ")
		v = v[i+1:]
	}
}
