package ghttp

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writesConn records each Write a connBuf makes.
type writesConn struct {
	net.Conn
	writes []int
	data   bytes.Buffer
}

func (w *writesConn) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.data.Write(p)
}

func newTestConnBuf(t *testing.T) (*connBuf, *writesConn) {
	wc := &writesConn{}
	c := &conn{rwc: wc}
	c.out.init(c)
	t.Cleanup(c.out.release)
	return &c.out, wc
}

func TestConnBufGathersAHeaderWithALargeBody(t *testing.T) {
	b, wc := newTestConnBuf(t)
	header := "HTTP/1.1 200 OK\r\nContent-Length: 16384\r\n\r\n"
	body := strings.Repeat("b", 16384)
	_, err := b.WriteString(header)
	require.NoError(t, err)
	_, err = b.Write([]byte(body))
	require.NoError(t, err)
	require.NoError(t, b.Flush())
	assert.Equal(t, []int{len(header) + len(body)}, wc.writes, "one write, where bufio.Writer makes two")
	assert.Equal(t, header+body, wc.data.String())

	// Back to the small buffer: small writes are buffered again.
	_, err = b.WriteString("small")
	require.NoError(t, err)
	assert.Equal(t, 5, b.Buffered())
	require.NoError(t, b.Flush())
}

func TestConnBufWritesWhatNoBufferHolds(t *testing.T) {
	b, wc := newTestConnBuf(t)
	_, err := b.WriteString("head\r\n")
	require.NoError(t, err)
	huge := bytes.Repeat([]byte("h"), maxGather)
	_, err = b.Write(huge)
	require.NoError(t, err)
	// Too large to gather: the header is flushed, the body written as it is.
	assert.Equal(t, []int{6, maxGather}, wc.writes)
	// An empty buffer and a write larger than it: straight to the socket.
	_, err = b.Write(bytes.Repeat([]byte("x"), connBufSize+1))
	require.NoError(t, err)
	assert.Equal(t, []int{6, maxGather, connBufSize + 1}, wc.writes)
	assert.Equal(t, 0, b.Buffered())
}
