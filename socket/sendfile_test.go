package socket_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// tempFile writes size random bytes to a new file and returns it open at offset 0 with its
// content.
func tempFile(t *testing.T, size int) (*os.File, []byte) {
	t.Helper()
	data := make([]byte, size)
	_, err := rand.Read(data)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f, data
}

// readAll reads c to its end in a greenlet of its own.
func readAll(c *socket.Conn) *scheduler.Greenlet[[]byte] {
	return scheduler.Spawn(func() ([]byte, error) { return io.ReadAll(c) })
}

// countingFile is a regular file that counts the Reads made through it: sendfile reads the file
// in the kernel, so a copy that went through sendfile made none.
type countingFile struct {
	*os.File
	reads int
}

func (f *countingFile) Read(b []byte) (int, error) {
	f.reads++
	return f.File.Read(b)
}

// TestReadFromFileSendfile: a file much larger than the socket's buffers goes through sendfile,
// waits for room between calls, and delivers every byte in order.
func TestReadFromFileSendfile(t *testing.T) {
	f, data := tempFile(t, 8<<20)
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		got := readAll(s)
		cf := &countingFile{File: f}
		n, err := c.ReadFrom(cf)
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), n)
		assert.Zero(t, cf.reads, "sent with sendfile")
		require.NoError(t, c.Close())
		b, err := got.Get(bg)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, b), "the bytes arrive whole and in order")
		off, err := f.Seek(0, io.SeekCurrent)
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), off, "the file's offset advanced")
		return nil
	})
}

// TestCopyFile: io.Copy from an *os.File asks the file first (os.File.WriteTo), which hands
// ReadFrom a wrapper of the file: the bytes arrive all the same.
func TestCopyFile(t *testing.T) {
	f, data := tempFile(t, 1<<20)
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		got := readAll(s)
		n, err := io.Copy(c, f)
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), n)
		require.NoError(t, c.Close())
		b, err := got.Get(bg)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, b))
		return nil
	})
}

// TestReadFromFileLimited: io.CopyN sends exactly n bytes from the file's current offset and
// leaves the offset after them.
func TestReadFromFileLimited(t *testing.T) {
	f, data := tempFile(t, 100000)
	_, err := f.Seek(10, io.SeekStart)
	require.NoError(t, err)
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		got := readAll(s)
		cf := &countingFile{File: f}
		// Two limits, as io.CopyN into a writer that limits again gives.
		n, err := c.ReadFrom(io.LimitReader(io.LimitReader(cf, 5000), 1000))
		require.NoError(t, err)
		assert.Equal(t, int64(1000), n)
		assert.Zero(t, cf.reads, "sent with sendfile")
		require.NoError(t, c.Close())
		b, err := got.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, data[10:1010], b)
		off, err := f.Seek(0, io.SeekCurrent)
		require.NoError(t, err)
		assert.Equal(t, int64(1010), off)
		return nil
	})
}

// TestReadFromOtherReaders: a reader that is no regular file (a strings.Reader, a pipe) is
// copied through Write.
func TestReadFromOtherReaders(t *testing.T) {
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	_, err = pw.Write([]byte("from a pipe"))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		got := readAll(s)
		n, err := c.ReadFrom(strings.NewReader("from a string, "))
		require.NoError(t, err)
		assert.Equal(t, int64(15), n)
		n, err = c.ReadFrom(pr)
		require.NoError(t, err)
		assert.Equal(t, int64(11), n)
		require.NoError(t, c.Close())
		b, err := got.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "from a string, from a pipe", string(b))
		return nil
	})
}

// TestReadFromDeadline: a peer that reads nothing leaves sendfile waiting for room until the
// write deadline, which ends it with ErrTimeout and the count of what went out.
func TestReadFromDeadline(t *testing.T) {
	f, _ := tempFile(t, 32<<20)
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		defer c.Close()
		require.NoError(t, c.SetWriteDeadline(time.Now().Add(50*ms)))
		n, err := c.ReadFrom(f)
		assert.ErrorIs(t, err, socket.ErrTimeout)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.Contains(t, err.Error(), "readfrom")
		assert.Positive(t, n)
		assert.Less(t, n, int64(32<<20))
		return nil
	})
}

// TestReadFromForeignGoroutine: a plain goroutine's ReadFrom on a hub's Conn is refused and
// sends nothing.
func TestReadFromForeignGoroutine(t *testing.T) {
	f, _ := tempFile(t, 1000)
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		defer c.Close()
		var n int64
		var err error
		done := make(chan struct{})
		go func() { defer close(done); n, err = c.ReadFrom(f) }()
		_, werr := scheduler.RunBlocking(bg, func() (struct{}, error) { <-done; return struct{}{}, nil })
		require.NoError(t, werr)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.Zero(t, n)
		off, serr := f.Seek(0, io.SeekCurrent)
		require.NoError(t, serr)
		assert.Zero(t, off, "nothing was read from the file")
		return nil
	})
}

// TestReadFromShared: a shared Conn copies a file through Write, from a plain goroutine.
func TestReadFromShared(t *testing.T) {
	f, data := tempFile(t, 1<<20)
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		shared := c.Shared()
		got := readAll(s)
		var n int64
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			n, err = io.Copy(shared, f)
			_ = shared.Close()
		}()
		b, rerr := got.Get(bg)
		require.NoError(t, rerr)
		_, werr := scheduler.RunBlocking(bg, func() (struct{}, error) { <-done; return struct{}{}, nil })
		require.NoError(t, werr)
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), n)
		assert.True(t, bytes.Equal(data, b))
		return nil
	})
}

// TestReadFromRefusedLeavesReader: a ReadFrom that cannot write (a zero Conn, a closed one, a
// plain goroutine's on a hub's Conn) fails before reading anything from a reader that is not a
// file: nothing is lost from it.
func TestReadFromRefusedLeavesReader(t *testing.T) {
	reader := func() *io.LimitedReader {
		return io.LimitReader(strings.NewReader("hello"), 5).(*io.LimitedReader)
	}
	r := reader()
	_, err := new(socket.Conn).ReadFrom(r)
	assert.ErrorIs(t, err, socket.ErrBadFD)
	assert.Equal(t, int64(5), r.N, "a zero Conn read nothing")
	run(t, func() error {
		c, s := tcpPair(t)
		defer s.Close()
		r := reader()
		var err error
		done := make(chan struct{})
		go func() { defer close(done); _, err = c.ReadFrom(r) }()
		_, werr := scheduler.RunBlocking(bg, func() (struct{}, error) { <-done; return struct{}{}, nil })
		require.NoError(t, werr)
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		assert.Equal(t, int64(5), r.N, "a plain goroutine's call read nothing")

		require.NoError(t, c.Close())
		r = reader()
		_, err = c.ReadFrom(r)
		assert.ErrorIs(t, err, net.ErrClosed)
		assert.Equal(t, int64(5), r.N, "a closed Conn read nothing")
		return nil
	})
}

// TestReadFromYieldsBetweenChunks: with room for the whole file in the socket's buffer (a peer
// that keeps up), sendfile never waits, and the hub's other greenlets still get their turn
// between its 4 MiB chunks instead of waiting for the whole file.
func TestReadFromYieldsBetweenChunks(t *testing.T) {
	f, data := tempFile(t, 12<<20)
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		const soSndbufForce = 32 // SO_SNDBUFFORCE: above wmem_max, for CAP_NET_ADMIN
		if err := syscall.SetsockoptInt(a.Fd(), syscall.SOL_SOCKET, soSndbufForce, 64<<20); err != nil {
			t.Skipf("cannot make room for the whole file in the send buffer (SO_SNDBUFFORCE needs CAP_NET_ADMIN): %v", err)
		}
		ticks, stop := 0, false
		ticker := scheduler.Go(func() error {
			for !stop {
				ticks++
				if err := scheduler.Sleep(bg, 0); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		before := ticks
		n, err := a.ReadFrom(f)
		during := ticks - before
		stop = true
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), n)
		assert.GreaterOrEqual(t, during, 2, "the other greenlet ran between the three chunks")
		require.NoError(t, ticker.Join(bg))
		got := make([]byte, len(data))
		_, err = io.ReadFull(b, got)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got))
		return nil
	})
}
