package ghttp

import (
	"sync"
)

// connBufSize is the connection's write buffer, net/http's size.
const connBufSize = 4 << 10

// maxGather bounds how much a write of a large body is gathered with what is already buffered
// (the header) into one write to the socket.
const maxGather = 64 << 10

var (
	smallBufPool = sync.Pool{New: func() any { b := make([]byte, 0, connBufSize); return &b }}
	bigBufPool   = sync.Pool{New: func() any { b := make([]byte, 0, maxGather); return &b }}
)

// connBuf buffers what the server writes to a connection, as a bufio.Writer of connBufSize
// would, with one difference: a write too large for what is left of the buffer, while the
// buffer holds something (a response header, a chunk header), is gathered with it into a
// pooled buffer of up to maxGather bytes and sent in one system call, where bufio.Writer
// makes two (the header and the start of the body, then the rest): a 16 KiB response is one
// write, one TCP segment and one wake-up of the client instead of two. The copy costs less
// than the system call it saves. Hub-affine, like its connection.
type connBuf struct {
	c     *conn
	buf   []byte // what is buffered; its capacity is small's or a pooled big one's
	small *[]byte
	big   *[]byte // the gathering buffer while in use
	err   error   // the first write error: later writes fail with it
}

func (b *connBuf) init(c *conn) {
	b.c = c
	b.small = smallBufPool.Get().(*[]byte)
	b.buf = (*b.small)[:0]
}

// release gives the buffers back to their pools once the connection is done.
func (b *connBuf) release() {
	if b.big != nil {
		bigBufPool.Put(b.big)
		b.big = nil
	}
	if b.small != nil {
		smallBufPool.Put(b.small)
		b.small = nil
	}
	b.buf = nil
}

// room makes room for n more bytes: it gathers into the big buffer, or flushes. It reports
// whether the n bytes are to be written straight to the socket instead of buffered.
func (b *connBuf) room(n int) (direct bool, err error) {
	if len(b.buf)+n <= cap(b.buf) {
		return false, nil
	}
	if b.big == nil && len(b.buf) > 0 && len(b.buf)+n <= maxGather {
		b.big = bigBufPool.Get().(*[]byte)
		b.buf = append((*b.big)[:0], b.buf...)
		return false, nil
	}
	if err := b.Flush(); err != nil {
		return false, err
	}
	return n >= cap(b.buf), nil
}

func (b *connBuf) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	direct, err := b.room(len(p))
	if err != nil {
		return 0, err
	}
	if direct {
		return b.writeConn(p)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *connBuf) WriteString(s string) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	direct, err := b.room(len(s))
	if err != nil {
		return 0, err
	}
	if direct {
		return b.writeConn([]byte(s))
	}
	b.buf = append(b.buf, s...)
	return len(s), nil
}

func (b *connBuf) WriteByte(c byte) error {
	_, err := b.Write([]byte{c})
	return err
}

// Buffered returns how many bytes wait to be written.
func (b *connBuf) Buffered() int { return len(b.buf) }

// Flush writes what is buffered, and goes back to the small buffer after a gathered write.
func (b *connBuf) Flush() error {
	if b.err != nil {
		return b.err
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.writeConn(b.buf)
	b.buf = (*b.small)[:0]
	if b.big != nil {
		bigBufPool.Put(b.big)
		b.big = nil
	}
	return err
}

// writeConn writes p to the connection, keeping the first error.
func (b *connBuf) writeConn(p []byte) (int, error) {
	n, err := connWriter{b.c}.Write(p)
	if err != nil {
		b.err = err
	}
	return n, err
}
