package ghttp_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/geventgo/geventgo/ghttp"
)

// wrappedBody is a handler's own ReadCloser over the request body (as a decompressor, a
// logging middleware or http.MaxBytesReader put in place of r.Body).
type wrappedBody struct{ io.ReadCloser }

// bodyEndHandler replaces the request body, or turns full duplex on, before it reads or closes
// the body.
func bodyEndHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/wrap-read":
		r.Body = wrappedBody{r.Body}
		_, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "read: %v", err)
	case "/wrap-close":
		r.Body = wrappedBody{r.Body}
		_, _ = fmt.Fprintf(w, "close: %v", r.Body.Close())
	case "/duplex-read":
		_ = http.NewResponseController(w).EnableFullDuplex()
		w.WriteHeader(http.StatusOK)
		_, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "read: %v", err)
	case "/duplex-wrap-noread":
		_ = http.NewResponseController(w).EnableFullDuplex()
		r.Body = wrappedBody{r.Body}
		_, _ = io.WriteString(w, "not reading")
	default:
		_, _ = io.WriteString(w, "served "+r.URL.RequestURI())
	}
}

// TestBodyEndUnreadClosesWhateverTheHandlerMadeOfBody: a request body whose end the server
// never read (a malformed trailer, a bad chunk, more unread bytes than it drains) leaves the
// connection where no request begins, so it closes after the response, also when the handler
// replaced r.Body or turned full duplex on; what follows (here a GET the client hid after a
// bad trailer line, after a bad chunk, or inside the body) is never served. net/http's server
// looks only at a body it still holds as r.Body and drains only without full duplex, so it
// served the hidden GET in each of these cases, and so did this one.
func TestBodyEndUnreadClosesWhateverTheHandlerMadeOfBody(t *testing.T) {
	ghttp.SetRSTAvoidanceDelay(t, 20*ms)
	srv := startServer(t, &ghttp.Server{Handler: http.HandlerFunc(bodyEndHandler), ErrorLog: quietLog}, false)
	const hidden = "GET /hidden HTTP/1.1\r\nHost: a\r\n\r\n"
	chunked := func(path, rest string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + rest
	}
	large := func(path string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s%s", path, 300000,
			hidden, strings.Repeat("x", 300000-len(hidden)))
	}
	for name, raw := range map[string]string{
		"replaced body, malformed trailer":   chunked("/wrap-read", "3\r\nabc\r\n0\r\nX(b): 5\r\n"+hidden),
		"replaced body, control byte":        chunked("/wrap-read", "3\r\nabc\r\n0\r\nX-T: a\x01\r\n"+hidden),
		"full duplex, malformed trailer":     chunked("/duplex-read", "3\r\nabc\r\n0\r\nX(b): 5\r\n"+hidden),
		"full duplex, bad chunk":             chunked("/duplex-read", "3\r\nabcX\r\n"+hidden),
		"replaced body closed, large body":   large("/wrap-close"),
		"full duplex, replaced, large body":  large("/duplex-wrap-noread"),
		"replaced body, well-formed trailer": chunked("/wrap-read", "3\r\nabc\r\n0\r\nX-T: v\r\n\r\n"+hidden),
	} {
		t.Run(name, func(t *testing.T) {
			got := exchange(t, srv, raw+probe)
			assert.Contains(t, got, "HTTP/1.1 200 OK\r\n", "the request itself is answered")
			if strings.Contains(name, "well-formed") {
				// The control case: the body's end was read, the connection goes on.
				assert.Contains(t, got, "served /hidden")
				assert.Contains(t, got, "served /probe")
				return
			}
			assert.NotContains(t, got, "served /hidden", "what followed the body's unread end was served")
			assert.NotContains(t, got, "served /probe", "the connection stayed open")
			assert.True(t, strings.HasSuffix(got, "<EOF>"), "the connection ended otherwise: %q", got)
		})
	}
}
