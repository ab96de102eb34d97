package ghttp

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headerFieldsOf returns what writeHeaderFields writes for h and exclude, and what
// http.Header.WriteSubset writes.
func headerFieldsOf(t testing.TB, c *conn, wc *writesConn, h http.Header, exclude map[string]bool) (got, want string) {
	wc.data.Reset()
	c.writeHeaderFields(h, exclude)
	require.NoError(t, c.bw.Flush())
	var buf bytes.Buffer
	require.NoError(t, h.WriteSubset(&buf, exclude))
	return wc.data.String(), buf.String()
}

// newHeaderTestConn returns a connection whose writer records what it writes.
func newHeaderTestConn(t testing.TB) (*conn, *writesConn) {
	wc := &writesConn{}
	c := &conn{rwc: wc}
	c.out.init(c)
	c.bw = &c.out
	t.Cleanup(c.out.release)
	return c, wc
}

// writeHeaderFields writes what net/http's WriteSubset writes, byte for byte.
func TestWriteHeaderFieldsIsWriteSubset(t *testing.T) {
	c, wc := newHeaderTestConn(t)
	for _, tc := range []struct {
		h       http.Header
		exclude map[string]bool
	}{
		{nil, nil},
		{http.Header{}, nil},
		{http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"13"}}, nil},
		{http.Header{"Content-Length": {"0"}, "Transfer-Encoding": {"chunked"}, "X": {"1"}}, excludedHeadersNoBody},
		{http.Header{"B": {"2", "3"}, "A": {"1"}, "a": {"low"}, "C": nil, "D": {}}, nil},
		{http.Header{"Bad Name": {"x"}, "": {"empty"}, "Bad\r\nName": {"y"}, "Ok": {"z"}}, nil},
		{http.Header{"V": {" \t lead and trail \t ", "in\r\nner", "\r\n", "", "a\rb\nc", "\n x \r"}}, nil},
		{http.Header{"Trailer:X": {"1"}, "Y": {"2"}}, map[string]bool{"Trailer:X": true}},
		{http.Header{"U": {"ünïcödé \x7f \x00"}}, nil},
	} {
		got, want := headerFieldsOf(t, c, wc, tc.h, tc.exclude)
		assert.Equal(t, want, got, "%q", tc.h)
	}
	assert.Empty(t, c.fields, "the scratch slice is empty between calls")
	assert.Equal(t, []headerField{{}, {}, {}}, c.fields[:3], "and holds no reference to the last header")
}

func FuzzWriteHeaderFields(f *testing.F) {
	f.Add("Content-Type", "text/plain", "X-A", " a\r\nb ", "X-B", "")
	f.Add("a b", "\t", "Trailer:Z", "z", "", "\n")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		c, wc := newHeaderTestConn(t)
		h := http.Header{}
		h[k1] = append(h[k1], v1)
		h[k2] = append(h[k2], v2)
		h[k3] = append(h[k3], v3, v1)
		got, want := headerFieldsOf(t, c, wc, h, map[string]bool{k3: len(v3)%2 == 1})
		if got != want {
			t.Fatalf("writeHeaderFields wrote %q, WriteSubset %q", got, want)
		}
	})
}
