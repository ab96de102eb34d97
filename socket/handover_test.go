package socket_test

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// statusFlags returns fd's file status flags (fcntl F_GETFL).
func statusFlags(t *testing.T, fd int) int {
	t.Helper()
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	require.Zero(t, errno)
	return int(r)
}

// inode returns the inode of the socket behind fd.
func inode(t *testing.T, fd int) uint64 {
	t.Helper()
	var st syscall.Stat_t
	require.NoError(t, syscall.Fstat(fd, &st))
	return st.Ino
}

// TestListenerFileRoundTrip: a Listener's File made into a Listener again (FileListener) is the
// same listening socket, which outlives the original and the file; File on a closed socket
// fails with net.ErrClosed, on a zero one with ErrBadFD.
func TestListenerFileRoundTrip(t *testing.T) {
	run(t, func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		f, err := l.File()
		require.NoError(t, err)
		assert.NotEqual(t, uintptr(l.Fd()), f.Fd(), "a copy of the descriptor")
		assert.Equal(t, inode(t, l.Fd()), inode(t, int(f.Fd())))
		assert.Equal(t, "tcp:"+l.Addr().String()+"->", f.Name(), "named as package net names it")
		l2, err := socket.FileListener(f)
		require.NoError(t, err)
		defer l2.Close()
		require.NoError(t, f.Close())
		require.NoError(t, l.Close())
		_, err = l.File()
		assert.ErrorIs(t, err, net.ErrClosed)
		assert.ErrorContains(t, err, "file tcp")

		acc := scheduler.Spawn(func() (string, error) {
			c, err := l2.AcceptConn()
			if err != nil {
				return "", err
			}
			defer c.Close()
			b, err := io.ReadAll(c)
			return string(b), err
		})
		c, err := socket.Dial("tcp", l2.Addr().String())
		require.NoError(t, err)
		_, err = c.Write([]byte("handed over"))
		require.NoError(t, err)
		require.NoError(t, c.Close())
		got, err := acc.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "handed over", got)
		return nil
	})
	for _, s := range []interface{ File() (*os.File, error) }{&socket.Conn{}, &socket.Listener{}, &socket.PacketConn{}} {
		_, err := s.File()
		assert.ErrorIs(t, err, socket.ErrBadFD, "%T", s)
		assert.ErrorIs(t, err, net.ErrClosed, "%T", s)
	}
}

// TestPacketConnFileOutlivesIt: a PacketConn's File, made into a PacketConn again, receives
// what is sent to the address once the original is closed.
func TestPacketConnFileOutlivesIt(t *testing.T) {
	run(t, func() error {
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		f, err := pc.File()
		require.NoError(t, err)
		pc2, err := socket.FilePacketConn(f)
		require.NoError(t, err)
		defer pc2.Close()
		require.NoError(t, f.Close())
		require.NoError(t, pc.Close())
		s, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer s.Close()
		_, err = s.WriteTo([]byte("dgram"), pc2.LocalAddr())
		require.NoError(t, err)
		data, from, err := pc2.ReadDatagram()
		require.NoError(t, err)
		assert.Equal(t, "dgram", string(data))
		assert.Equal(t, s.LocalAddr().String(), from.String())
		return nil
	})
}

// TestFileLeavesSocketNonBlocking: after File, and the file's Fd (which exec.Cmd calls for
// ExtraFiles, and which makes package net's copy blocking), the socket is still non-blocking:
// a Read with nothing to read parks its greenlet and the hub runs on. The flags are checked
// first, as Accept and sendfile still depend on them (reads and writes pass MSG_DONTWAIT).
func TestFileLeavesSocketNonBlocking(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		f, err := a.File()
		require.NoError(t, err)
		defer f.Close()
		_ = f.Fd()
		require.NotZero(t, statusFlags(t, a.Fd())&syscall.O_NONBLOCK, "the socket is non-blocking")
		require.NotZero(t, statusFlags(t, int(f.Fd()))&syscall.O_NONBLOCK, "so is its copy")

		started := false
		reader := scheduler.Spawn(func() (string, error) {
			started = true
			buf := make([]byte, 8)
			n, err := a.Read(buf)
			return string(buf[:n]), err
		})
		require.NoError(t, scheduler.Sleep(bg, 0)) // the reader starts and finds nothing to read
		require.True(t, started)
		require.False(t, reader.Ready(), "the reader waits, parked, while this greenlet runs")
		_, err = b.Write([]byte("x"))
		require.NoError(t, err)
		got, err := reader.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "x", got)
		return nil
	})
}

// TestFileFromGoroutineAgainstClose: File is goroutine-safe and never races with a Close on
// the hub: it returns a copy of this socket's descriptor (never of another file that reused
// its number) or an error matching net.ErrClosed.
func TestFileFromGoroutineAgainstClose(t *testing.T) {
	run(t, func() error {
		copies, closed := 0, 0
		for range 200 {
			a, b, err := socket.Socketpair()
			require.NoError(t, err)
			ino := inode(t, a.Fd())
			type result struct {
				f   *os.File
				err error
			}
			done := make(chan result, 1)
			go func() {
				f, err := a.File()
				done <- result{f, err}
			}()
			require.NoError(t, a.Close())
			r, err := scheduler.RunBlocking(testctx.Within(t, 5*time.Second), func() (result, error) {
				return <-done, nil
			})
			require.NoError(t, err)
			if r.err != nil {
				require.ErrorIs(t, r.err, net.ErrClosed)
				closed++
			} else {
				assert.Equal(t, ino, inode(t, int(r.f.Fd())))
				require.NoError(t, r.f.Close())
				copies++
			}
			require.NoError(t, b.Close())
		}
		t.Logf("%d copies, %d refused as closed", copies, closed)
		return nil
	})
}

// TestConnFileToChild: a Conn's File given to a child process (exec.Cmd.ExtraFiles) is the
// connection there; starting the child leaves the socket here non-blocking.
func TestConnFileToChild(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh to run a child with: %v", err)
	}
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		f, err := a.File()
		require.NoError(t, err)
		cmd := exec.Command(sh, "-c", "printf 'from the child' >&3")
		cmd.ExtraFiles = []*os.File{f}
		_, err = scheduler.RunBlocking(testctx.Within(t, 10*time.Second), func() (struct{}, error) {
			return struct{}{}, cmd.Run()
		})
		require.NoError(t, err)
		require.NoError(t, f.Close())
		require.NotZero(t, statusFlags(t, a.Fd())&syscall.O_NONBLOCK, "the socket is non-blocking")
		require.NoError(t, a.Close())
		got, err := io.ReadAll(b)
		require.NoError(t, err)
		assert.Equal(t, "from the child", string(got))
		return nil
	})
}

// TestSharedFile: a shared socket's File is a copy too, from any goroutine.
func TestSharedFile(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer b.Close()
		sa := a.Shared()
		f, err := scheduler.RunBlocking(testctx.Within(t, 5*time.Second), func() (*os.File, error) {
			return a.File()
		})
		require.NoError(t, err)
		defer f.Close()
		assert.Equal(t, inode(t, a.Fd()), inode(t, int(f.Fd())))
		require.NoError(t, sa.Close())
		_, err = a.File()
		assert.ErrorIs(t, err, net.ErrClosed)
		return nil
	})
}

// TestUnixListenerHandedOver: a unix listener handed over (File, FileListener) and then closed
// with SetUnlinkOnClose(false), as the package doc says, leaves its path to the copy, which
// accepts on it.
func TestUnixListenerHandedOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	run(t, func() error {
		l, err := socket.Listen("unix", path)
		require.NoError(t, err)
		f, err := l.File()
		require.NoError(t, err)
		l2, err := socket.FileListener(f)
		require.NoError(t, err)
		defer l2.Close()
		require.NoError(t, f.Close())
		l.SetUnlinkOnClose(false)
		require.NoError(t, l.Close())

		acc := scheduler.Spawn(func() (*socket.Conn, error) { return l2.AcceptConn() })
		c, err := socket.Dial("unix", path)
		require.NoError(t, err, "the path still reaches the copy")
		defer c.Close()
		s, err := acc.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		return s.Close()
	})
}

// A socket whose O_NONBLOCK a copy cleared before Shared is made non-blocking again by Shared,
// as FileConn does: Go's poller takes a file only if it is non-blocking when made. Before, the
// shared socket's deadlines failed ("file type does not support deadline") and every Read with
// nothing to read failed at once with "waiting for unsupported file type", which no errors.Is
// matches.
func TestSharedAfterACopyMadeItBlocking(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		clearNonblock(t, a.Fd())
		sa := a.Shared()
		assert.NotZero(t, statusFlags(t, a.Fd())&syscall.O_NONBLOCK, "Shared made it non-blocking again")
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(20*ms)))
		_, err = sa.Read(make([]byte, 1))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.NoError(t, sa.SetReadDeadline(time.Time{}))
		_, err = b.Write([]byte("x"))
		require.NoError(t, err)
		got := make([]byte, 1)
		_, err = io.ReadFull(sa, got)
		require.NoError(t, err)
		assert.Equal(t, "x", string(got))
		return nil
	})
}
