package ghttp

import (
	"net/textproto"
	"strings"
)

// The syntax checks the server makes on request headers, from RFC 9110's grammar. net/http
// keeps its own copies internal, and golang.org/x/net/http/httpguts, which exports them, would
// pull golang.org/x/text into every build of this module for its IDNA code.

// isTchar reports whether b may appear in a token (RFC 9110, 5.6.2): letters, digits and
// "!#$%&'*+-.^_`|~".
func isTchar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// validHeaderFieldName reports whether v is a field name: a non-empty token.
func validHeaderFieldName(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !tcharTable[v[i]] {
			return false
		}
	}
	return true
}

// tcharTable is isTchar of every byte: validHeaderFieldName checks every key of every response.
var tcharTable = func() (t [256]bool) {
	for b := range t {
		t[b] = isTchar(byte(b))
	}
	return t
}()

// validHeaderFieldValue reports whether v has no control character other than space and
// horizontal tab (RFC 9110, 5.5: obs-text is allowed).
func validHeaderFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// validHostHeader reports whether every byte of a Host value may appear in a uri-host with an
// optional port (RFC 3986, 3.2.2): unreserved, sub-delims, "%" of pct-encoding, and ":[]" of
// IP literals and the port. Like net/http, it checks bytes, not the structure.
func validHostHeader(h string) bool {
	for i := 0; i < len(h); i++ {
		b := h[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=%:[]", b) >= 0:
		default:
			return false
		}
	}
	return true
}

// forbiddenTrailers may not be sent as trailers (RFC 9110, 6.5.1: framing, routing, request
// modifiers, authentication, response control and payload processing fields).
var forbiddenTrailers = map[string]bool{
	"Authorization": true, "Cache-Control": true, "Connection": true, "Content-Encoding": true,
	"Content-Length": true, "Content-Range": true, "Content-Type": true, "Expect": true,
	"Host": true, "Keep-Alive": true, "Max-Forwards": true, "Pragma": true,
	"Proxy-Authenticate": true, "Proxy-Authorization": true, "Proxy-Connection": true,
	"Range": true, "Realm": true, "Te": true, "Trailer": true, "Transfer-Encoding": true,
	"Www-Authenticate": true,
}

// validTrailerHeader reports whether a field may be sent as a trailer.
func validTrailerHeader(name string) bool {
	name = textproto.CanonicalMIMEHeaderKey(name)
	return !strings.HasPrefix(name, "If-") && !forbiddenTrailers[name]
}

// headerValuesContainToken reports whether a comma-separated element of one of values is token,
// ignoring ASCII case.
func headerValuesContainToken(values []string, token string) bool {
	for _, v := range values {
		for e := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(textproto.TrimString(e), token) {
				return true
			}
		}
	}
	return false
}
