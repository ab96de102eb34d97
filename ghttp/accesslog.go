package ghttp

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRequestLine is how much of a request line the access log shows: gevent's pywsgi reads
// at most MAX_REQUEST_LINE (8192) bytes of it, and shows what it read.
const maxRequestLine = 8192

// logAccess writes the access line of a request, if the server has an access log.
func (c *conn) logAccess(requestLine string, status int, sent int64, start time.Time) {
	if l := c.srv.AccessLog; l != nil {
		l.Print(c.accessLine(requestLine, status, sent, start))
	}
}

// logUnfinished writes the access line of a request whose handler hijacked the connection,
// panicked or was killed (w nil: none ran), with what the server sent for it: its status if
// the header went out, else none, as gevent's pywsgi logs an upgraded connection or an
// application that raised once the application is done.
func (c *conn) logUnfinished(w *response) {
	if w == nil || c.srv.AccessLog == nil {
		return
	}
	status := 0
	if w.cw.wroteHeader {
		status = w.status
	}
	c.logAccess(requestLine(w.req), status, c.sent-c.logSent, c.logStart)
}

// logDropped writes the access line of a request read while the server shuts down, which is
// dropped unanswered (w nil: it could not be read).
func (c *conn) logDropped(w *response, begin time.Time) {
	switch {
	case c.srv.AccessLog == nil:
	case w != nil:
		c.logAccess(requestLine(w.req), 0, 0, begin)
	case c.refusedAny:
		c.logAccess(c.refusedReq, 0, 0, begin)
	}
}

// logStopped writes the access line of the next request on a keep-alive connection, read
// already, that the server drops unanswered after w's response because it no longer keeps
// connections alive (Shutdown, SetKeepAlivesEnabled(false)): if the client did not ask to
// close and read w's request body to its end, what follows it is a request.
func (c *conn) logStopped(w *response) {
	if w.wantsClose || !w.req.ProtoAtLeast(1, 1) && !w.wants10KeepAlive {
		return
	}
	if w.tracker != nil && !w.tracker.sawEOF {
		return
	}
	c.logCutShort(time.Now())
}

// logCutShort writes the access line of the next request on a keep-alive connection when its
// first bytes came but it is not read: the connection ended or timed out before there were
// four, or the server stopped keeping connections alive. Nothing is answered then. Empty
// lines before a request are not one (RFC 9112, 2.2).
func (c *conn) logCutShort(begin time.Time) {
	if c.srv.AccessLog == nil {
		return
	}
	b, _ := c.br.Peek(c.br.Buffered())
	if b = bytes.TrimLeft(b, "\r\n"); len(b) > 0 {
		c.logAccess(rawRequestLine(b), 0, 0, begin)
	}
}

// accessLine is gevent's pywsgi format_request: `client - - [local time] "request line"
// status bytes seconds`, where status 0 (no header sent) is "000" and sent 0 is "-"; the
// seconds are those since start.
func (c *conn) accessLine(requestLine string, status int, sent int64, start time.Time) string {
	client := c.remoteAddr
	if host, _, err := net.SplitHostPort(client); err == nil {
		client = host
	}
	if client == "" {
		client = "-"
	}
	length := "-"
	if sent > 0 {
		length = strconv.FormatInt(sent, 10)
	}
	now := time.Now()
	return fmt.Sprintf(`%s - - [%s] "%s" %03d %s %.6f`, client, now.Format(time.DateTime),
		requestLine, status, length, now.Sub(start).Seconds())
}

// requestLine is the line of a request that was read, as the access log shows it.
func requestLine(req *http.Request) string {
	return logText(req.Method + " " + req.RequestURI + " " + req.Proto)
}

// rawRequestLine is the line at the start of raw as gevent's pywsgi keeps it: what
// readline(MAX_REQUEST_LINE) returns, its trailing whitespace stripped unless it is that long,
// shown as the access log shows text.
func rawRequestLine(raw []byte) string {
	line := raw
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		line = raw[:i+1]
	}
	if len(line) > maxRequestLine { // before the string: a refused header may be long
		line = line[:maxRequestLine]
	}
	if len(line) < maxRequestLine {
		for len(line) > 0 && isPySpace(line[len(line)-1]) {
			line = line[:len(line)-1]
		}
	}
	return logText(string(line))
}

// isPySpace reports whether Python's str.isspace holds for the ISO-8859-1 character b (what
// pywsgi's rstrip removes).
func isPySpace(b byte) bool {
	return b == ' ' || b >= '\t' && b <= '\r' || b >= 0x1c && b <= 0x1f || b == 0x85 || b == 0xa0
}

// logText is s as gevent's pywsgi shows request bytes, decoded as ISO-8859-1 (each byte the
// character of that code), at most maxRequestLine bytes of it, and, unlike gevent, control
// characters written as \xNN so that a line of the log is a request and no terminal reads an
// escape sequence in it.
func logText(s string) string {
	if len(s) > maxRequestLine {
		s = s[:maxRequestLine]
	}
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f && c < 0xa0:
			fmt.Fprintf(&b, "\\x%02x", c)
		case c >= 0xa0:
			b.WriteRune(rune(c))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
