package ghttp_test

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
)

// lines returns the whole lines written so far.
func (l *logBuffer) lines() []string {
	s := strings.TrimSuffix(l.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// countingReader counts what the client reads off the connection.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// accessLine is gevent's pywsgi line: client, local time, request line, status, bytes sent,
// seconds.
var accessLine = regexp.MustCompile(`^127\.0\.0\.1 - - \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] "([^"]*)" (\d{3}) (\d+|-) \d+\.\d{6}$`)

// AccessLog writes gevent's pywsgi line for each request served, once its response is out,
// counting all the bytes the client received (status line, headers, body).
func TestAccessLog(t *testing.T) {
	var out logBuffer
	srv := &ghttp.Server{ErrorLog: quietLog, AccessLog: log.New(&out, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hello" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "hello, world\n")
	})}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	cr := &countingReader{r: c}
	br := bufio.NewReader(cr)
	for i, target := range []string{"/hello", "/missing?q=1"} {
		_, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", target)
		require.NoError(t, err)
		before := cr.n - br.Buffered()
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		got := cr.n - br.Buffered() - before

		require.Eventually(t, func() bool { return len(out.lines()) > i }, 5*time.Second, time.Millisecond,
			"no access log line for %s", target)
		line := out.lines()[i]
		m := accessLine.FindStringSubmatch(line)
		require.NotNil(t, m, "not gevent's format: %q", line)
		assert.Equal(t, "GET "+target+" HTTP/1.1", m[1])
		assert.Equal(t, strconv.Itoa(resp.StatusCode), m[2])
		assert.Equal(t, strconv.Itoa(got), m[3], "the bytes the client received")
	}
	assert.Len(t, out.lines(), 2)
}

// The "100 Continue" sent before a request body is not the response: gevent sends it outside
// the response's count (pywsgi's _send_100_continue), so that its line counts the response
// alone. The line counted the interim response's 25 bytes too.
func TestAccessLogCountsNoInterimContinue(t *testing.T) {
	var out logBuffer
	srv := &ghttp.Server{ErrorLog: quietLog, AccessLog: log.New(&out, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})}
	hs := startServer(t, srv, false)
	c := netConnDial(t, hs.Addr)
	_, err := io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	const interim = "HTTP/1.1 100 Continue\r\n\r\n"
	cr := &countingReader{r: c}
	br := bufio.NewReader(cr)
	got := make([]byte, len(interim))
	_, err = io.ReadFull(br, got)
	require.NoError(t, err)
	require.Equal(t, interim, string(got))
	_, err = io.WriteString(c, "hello")
	require.NoError(t, err)
	before := cr.n - br.Buffered()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	sent := cr.n - br.Buffered() - before

	require.Eventually(t, func() bool { return len(out.lines()) > 0 }, 5*time.Second, time.Millisecond,
		"no access log line")
	m := accessLine.FindStringSubmatch(out.lines()[0])
	require.NotNil(t, m, "not gevent's format: %q", out.lines()[0])
	assert.Equal(t, "POST /up HTTP/1.1", m[1])
	assert.Equal(t, strconv.Itoa(sent), m[3], "the response's bytes, without the interim 100 Continue")
}
