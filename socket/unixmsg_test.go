package socket_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// msgConn is what Conn and PacketConn (and a shared Conn) have for ancillary data.
type msgConn interface {
	ReadMsgUnix(b, oob []byte) (n, oobn, flags int, addr *net.UnixAddr, err error)
	WriteMsgUnix(b, oob []byte, addr *net.UnixAddr) (n, oobn int, err error)
}

// rightsIn parses the descriptors out of received ancillary data.
func rightsIn(t *testing.T, oob []byte) []int {
	t.Helper()
	msgs, err := syscall.ParseSocketControlMessage(oob)
	require.NoError(t, err)
	var fds []int
	for i := range msgs {
		got, err := syscall.ParseUnixRights(&msgs[i])
		require.NoError(t, err)
		fds = append(fds, got...)
	}
	return fds
}

// sendPipe sends the read end of a new pipe over w with one byte, and returns the pipe's write
// end, which the caller writes the received read end's data to.
func sendPipe(t *testing.T, w msgConn, addr *net.UnixAddr) *os.File {
	t.Helper()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close() // the message holds its own reference
	n, oobn, err := w.WriteMsgUnix([]byte("x"), syscall.UnixRights(int(pr.Fd())), addr)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, len(syscall.UnixRights(0)), oobn)
	return pw
}

// checkPassed checks that oob carries one descriptor, close-on-exec, that reads what is written
// to pw, and closes both.
func checkPassed(t *testing.T, oob []byte, pw *os.File) {
	t.Helper()
	defer pw.Close()
	fds := rightsIn(t, oob)
	require.Len(t, fds, 1)
	f := os.NewFile(uintptr(fds[0]), "passed")
	defer f.Close()
	flags, err := unixFcntl(fds[0], syscall.F_GETFD)
	require.NoError(t, err)
	assert.NotZero(t, flags&syscall.FD_CLOEXEC, "a received descriptor is close-on-exec")
	_, err = pw.Write([]byte("through the pipe"))
	require.NoError(t, err)
	buf := make([]byte, 32)
	n, err := f.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "through the pipe", string(buf[:n]))
}

func unixFcntl(fd, cmd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// TestReadMsgUnixPassesFD: a pipe's read end sent with syscall.UnixRights over a socketpair
// arrives as a new descriptor, close-on-exec, that reads what is written to the pipe; the
// receiving greenlet parks cooperatively until the message comes, and reads io.EOF once the peer
// closed.
func TestReadMsgUnixPassesFD(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		buf, oob := make([]byte, 8), make([]byte, 64)
		type result struct{ n, oobn, flags int }
		reader := scheduler.Spawn(func() (result, error) {
			n, oobn, flags, addr, err := a.ReadMsgUnix(buf, oob)
			assert.Nil(t, addr, "an unnamed peer")
			return result{n, oobn, flags}, err
		})
		require.NoError(t, scheduler.Sleep(bg, 0)) // the reader waits
		require.False(t, reader.Ready(), "the reader waits for the message")
		pw := sendPipe(t, b, nil)
		r, err := reader.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, result{n: 1, oobn: len(syscall.UnixRights(0))}, r)
		assert.Equal(t, "x", string(buf[:r.n]))
		checkPassed(t, oob[:r.oobn], pw)

		require.NoError(t, b.Close())
		_, _, _, _, err = a.ReadMsgUnix(buf, oob)
		assert.ErrorIs(t, err, io.EOF)
		return nil
	})
}

// TestReadMsgUnixDatagram: a unixgram datagram with ancillary data goes to a named address and
// arrives with its sender's address; one longer than the buffer is truncated with MSG_TRUNC.
func TestReadMsgUnixDatagram(t *testing.T) {
	dir := t.TempDir()
	run(t, func() error {
		a, err := socket.ListenPacket("unixgram", filepath.Join(dir, "a"))
		require.NoError(t, err)
		defer a.Close()
		b, err := socket.ListenPacket("unixgram", filepath.Join(dir, "b"))
		require.NoError(t, err)
		defer b.Close()
		require.NoError(t, a.SetReadDeadline(time.Now().Add(5*time.Second)))

		pw := sendPipe(t, b, a.LocalAddr().(*net.UnixAddr))
		buf, oob := make([]byte, 8), make([]byte, 64)
		n, oobn, flags, from, err := a.ReadMsgUnix(buf, oob)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Zero(t, flags)
		assert.Equal(t, b.LocalAddr(), from)
		checkPassed(t, oob[:oobn], pw)

		_, _, err = b.WriteMsgUnix([]byte("too long"), nil, a.LocalAddr().(*net.UnixAddr))
		require.NoError(t, err)
		n, oobn, flags, _, err = a.ReadMsgUnix(buf[:3], oob)
		require.NoError(t, err)
		assert.Equal(t, "too", string(buf[:n]))
		assert.Zero(t, oobn)
		assert.NotZero(t, flags&syscall.MSG_TRUNC, "MSG_TRUNC in flags")

		_, _, err = b.WriteMsgUnix(nil, nil, &net.UnixAddr{Name: filepath.Join(dir, "a"), Net: "unix"})
		assert.ErrorIs(t, err, syscall.EAFNOSUPPORT, "a stream address on a datagram socket, as in package net")
		return nil
	})
}

// TestReadMsgUnixTruncatedOOB: ancillary data longer than oob (three descriptors, room for two:
// CMSG_SPACE rounds one up to two) is cut, with MSG_CTRUNC in flags; the descriptors that did
// not fit are not received.
func TestReadMsgUnixTruncatedOOB(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		pr, pw, err := os.Pipe()
		require.NoError(t, err)
		defer pr.Close()
		defer pw.Close()
		_, _, err = b.WriteMsgUnix([]byte("x"), syscall.UnixRights(int(pr.Fd()), int(pw.Fd()), int(pr.Fd())), nil)
		require.NoError(t, err)
		oob := make([]byte, len(syscall.UnixRights(0)))
		n, oobn, flags, _, err := a.ReadMsgUnix(make([]byte, 1), oob)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.NotZero(t, flags&syscall.MSG_CTRUNC, "MSG_CTRUNC in flags")
		for _, fd := range rightsIn(t, oob[:oobn]) {
			require.NoError(t, syscall.Close(fd))
		}
		return nil
	})
}

// TestMsgUnixDeadlineAndClose: a deadline ends a ReadMsgUnix waiting for a message, one already
// passed fails a WriteMsgUnix at once, and Close from another greenlet ends a waiting
// ReadMsgUnix with an error matching net.ErrClosed.
func TestMsgUnixDeadlineAndClose(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer b.Close()
		require.NoError(t, a.SetReadDeadline(time.Now().Add(20*ms)))
		_, _, _, _, err = a.ReadMsgUnix(make([]byte, 1), make([]byte, 64))
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)

		require.NoError(t, b.SetWriteDeadline(time.Now().Add(-time.Second)))
		_, _, err = b.WriteMsgUnix([]byte("x"), nil, nil)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)

		require.NoError(t, a.SetReadDeadline(time.Time{}))
		reader := scheduler.Spawn(func() (int, error) {
			n, _, _, _, err := a.ReadMsgUnix(make([]byte, 1), make([]byte, 64))
			return n, err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, a.Close())
		_, err = reader.Get(testctx.Within(t, 5*time.Second))
		assert.ErrorIs(t, err, net.ErrClosed)
		return nil
	})
}

// TestMsgUnixRefused: from a goroutine that is not a greenlet of the socket's hub the calls fail
// with ErrNotGreenlet; on a TCP or UDP socket, with an error matching syscall.EOPNOTSUPP that
// names the method; on a zero socket with ErrBadFD, on a nil one with ErrNilArgument.
func TestMsgUnixRefused(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		_, err = scheduler.RunBlocking(bg, func() (int, error) {
			_, _, _, _, err := a.ReadMsgUnix(make([]byte, 1), nil)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			_, _, err = a.WriteMsgUnix([]byte("x"), nil, nil)
			return 0, err
		})
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)

		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer pc.Close()
		for _, m := range []msgConn{c.(*socket.Conn), pc} {
			_, _, _, _, err = m.ReadMsgUnix(make([]byte, 1), nil)
			assert.ErrorIs(t, err, syscall.EOPNOTSUPP)
			assert.ErrorContains(t, err, "ReadMsgUnix")
			_, _, err = m.WriteMsgUnix([]byte("x"), nil, nil)
			assert.ErrorIs(t, err, syscall.EOPNOTSUPP)
			assert.ErrorContains(t, err, "WriteMsgUnix")
		}

		for _, m := range []msgConn{&socket.Conn{}, &socket.PacketConn{}} {
			_, _, _, _, err = m.ReadMsgUnix(nil, nil)
			assert.ErrorIs(t, err, socket.ErrBadFD)
			_, _, err = m.WriteMsgUnix(nil, nil, nil)
			assert.ErrorIs(t, err, socket.ErrBadFD)
		}
		for _, m := range []msgConn{(*socket.Conn)(nil), (*socket.PacketConn)(nil)} {
			_, _, _, _, err = m.ReadMsgUnix(nil, nil)
			assert.ErrorIs(t, err, scheduler.ErrNilArgument)
			_, _, err = m.WriteMsgUnix(nil, nil, nil)
			assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		}
		return nil
	})
}

// TestMsgUnixShared: on a shared socket a goroutine's WriteMsgUnix and ReadMsgUnix pass a
// descriptor, and so does a greenlet's (through RunBlocking).
func TestMsgUnixShared(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		sb := b.Shared().(msgConn)
		a := sa.(msgConn)
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		done := make(chan []byte, 1)
		go func() {
			oob := make([]byte, 64)
			_, oobn, _, _, err := a.ReadMsgUnix(make([]byte, 1), oob)
			assert.NoError(t, err)
			done <- oob[:oobn]
		}()
		pw, err := scheduler.RunBlocking(bg, func() (*os.File, error) { return sendPipe(t, sb, nil), nil })
		require.NoError(t, err)
		got, err := scheduler.RunBlocking(bg, func() ([]byte, error) { return <-done, nil })
		require.NoError(t, err)
		checkPassed(t, got, pw)

		// From a greenlet of the hub: the calls run through RunBlocking.
		pw = sendPipe(t, sb, nil)
		oob := make([]byte, 64)
		_, oobn, _, _, err := a.ReadMsgUnix(make([]byte, 1), oob)
		require.NoError(t, err)
		checkPassed(t, oob[:oobn], pw)
		return nil
	})
}

// TestKilledSharedReadMsgKeepsItsFD: a greenlet's ReadMsgUnix of a shared socket runs on a
// goroutine that goes on when the greenlet is killed; the byte and the descriptor it then
// receives are kept for the next ReadMsgUnix, and the killed caller's buffers are left alone. A
// plain Read that takes a kept message closes its descriptor, as the kernel does for a read
// with no room for it.
func TestKilledSharedReadMsgKeepsItsFD(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		a := sa.(msgConn)
		buf, oob := make([]byte, 4), make([]byte, 64)
		killed := func() {
			reader := scheduler.Spawn(func() (int, error) {
				n, _, _, _, err := a.ReadMsgUnix(buf, oob)
				return n, err
			})
			require.NoError(t, scheduler.Sleep(bg, 0)) // the reader waits in RunBlocking
			require.NoError(t, reader.Kill(testctx.Within(t, 5*time.Second), nil))
			for i := range oob {
				oob[i] = 0xff
			}
		}
		killed()
		pw := sendPipe(t, b, nil)
		waitUnread(t, sa)
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		p, got := make([]byte, 4), make([]byte, 64)
		n, oobn, _, _, err := a.ReadMsgUnix(p, got)
		require.NoError(t, err)
		assert.Equal(t, "x", string(p[:n]))
		checkPassed(t, got[:oobn], pw)
		for _, c := range oob {
			require.Equal(t, byte(0xff), c, "the killed call left its oob alone")
		}

		killed()
		before := openFDs(t)
		pw = sendPipe(t, b, nil)
		waitUnread(t, sa)
		n, err = sa.Read(p)
		require.NoError(t, err)
		assert.Equal(t, "x", string(p[:n]))
		require.NoError(t, pw.Close())
		assert.Equal(t, before, openFDs(t), "the kept descriptor was closed by the Read")

		// A ReadMsgUnix with no room for the kept ancillary data gets none of it (MSG_CTRUNC),
		// and its descriptor is closed.
		killed()
		before = openFDs(t)
		pw = sendPipe(t, b, nil)
		waitUnread(t, sa)
		n, oobn, flags, _, err := a.ReadMsgUnix(p, nil)
		require.NoError(t, err)
		assert.Equal(t, "x", string(p[:n]))
		assert.Zero(t, oobn)
		assert.NotZero(t, flags&syscall.MSG_CTRUNC, "MSG_CTRUNC in flags")
		require.NoError(t, pw.Close())
		assert.Equal(t, before, openFDs(t), "the kept descriptor was closed")

		// Closing the socket closes a kept descriptor that no read took.
		killed()
		before = openFDs(t)
		delete(before, strconv.Itoa(sa.(*socket.Conn).Fd()))
		pw = sendPipe(t, b, nil)
		waitUnread(t, sa)
		require.NoError(t, sa.Close())
		require.NoError(t, pw.Close())
		err = pollUntil(testctx.Within(t, 5*time.Second), func() bool { return len(openFDs(t)) == len(before) })
		require.NoError(t, err, "the kept descriptor was closed with the socket")
		assert.Equal(t, before, openFDs(t))
		return nil
	})
}

// TestKilledSharedReadMsgKeepsDatagramWhole: a killed greenlet's ReadMsgUnix of a shared
// unixgram socket, with a buffer shorter than the datagram that then comes, keeps it whole
// with its sender: ReadDatagram returns all of it.
func TestKilledSharedReadMsgKeepsDatagramWhole(t *testing.T) {
	dir := t.TempDir()
	run(t, func() error {
		pa, err := socket.ListenPacket("unixgram", filepath.Join(dir, "a"))
		require.NoError(t, err)
		defer pa.Close()
		b, err := socket.ListenPacket("unixgram", filepath.Join(dir, "b"))
		require.NoError(t, err)
		defer b.Close()
		a := pa.Shared().(*socket.PacketConn)
		reader := scheduler.Spawn(func() (int, error) {
			n, _, _, _, err := a.ReadMsgUnix(make([]byte, 2), nil)
			return n, err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, reader.Kill(testctx.Within(t, 5*time.Second), nil))
		_, _, err = b.WriteMsgUnix([]byte("hello"), nil, a.LocalAddr().(*net.UnixAddr))
		require.NoError(t, err)
		waitUnread(t, a) // the killed call's goroutine received it
		require.NoError(t, a.SetReadDeadline(time.Now().Add(5*time.Second)))
		data, from, err := a.ReadDatagram()
		require.NoError(t, err)
		assert.Equal(t, "hello", string(data), "kept whole")
		assert.Equal(t, b.LocalAddr(), from)
		return nil
	})
}

// TestReadMsgUnixPacket: on a unixpacket connection a message longer than the buffer is cut
// with MSG_TRUNC, and the rest of it dropped, as recvmsg does.
func TestReadMsgUnixPacket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p")
	run(t, func() error {
		ln, err := socket.Listen("unixpacket", path)
		require.NoError(t, err)
		defer ln.Close()
		c, err := socket.Dial("unixpacket", path)
		require.NoError(t, err)
		defer c.Close()
		s, err := ln.Accept()
		require.NoError(t, err)
		defer s.Close()
		sc := s.(*socket.Conn)
		_, _, err = c.(*socket.Conn).WriteMsgUnix([]byte("hello"), nil, nil)
		require.NoError(t, err)
		_, _, err = c.(*socket.Conn).WriteMsgUnix([]byte("next"), nil, nil)
		require.NoError(t, err)
		p := make([]byte, 3)
		n, _, flags, _, err := sc.ReadMsgUnix(p, nil)
		require.NoError(t, err)
		assert.Equal(t, "hel", string(p[:n]))
		assert.NotZero(t, flags&syscall.MSG_TRUNC, "MSG_TRUNC in flags")
		n, _, flags, _, err = sc.ReadMsgUnix(make([]byte, 8), nil)
		require.NoError(t, err)
		assert.Equal(t, 4, n, "the next message")
		assert.Zero(t, flags)
		return nil
	})
}

// fillSendBuffer writes to the non-blocking fd until not even one byte more fits.
func fillSendBuffer(t *testing.T, fd int) {
	t.Helper()
	buf := make([]byte, 1<<16)
	for size := len(buf); size > 0; {
		_, err := syscall.Write(fd, buf[:size])
		if err == syscall.EAGAIN {
			size /= 2
			continue
		}
		require.NoError(t, err)
	}
}

// sameFile reports whether two descriptors name the same file (a pipe's two ends do).
func sameFile(t *testing.T, a, b int) bool {
	t.Helper()
	var sa, sb syscall.Stat_t
	require.NoError(t, syscall.Fstat(a, &sa))
	require.NoError(t, syscall.Fstat(b, &sb))
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// waitForFrame waits until a goroutine runs a function whose name holds frame.
func waitForFrame(t *testing.T, frame string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	err := pollUntil(testctx.Within(t, 5*time.Second), func() bool {
		return strings.Contains(string(buf[:runtime.Stack(buf, true)]), frame)
	})
	require.NoError(t, err, "no goroutine in %s", frame)
}

// TestSharedReadMsgTimesOut: a shared socket's ReadMsgUnix whose deadline passes while it
// waits returns nothing with an error matching os.ErrDeadlineExceeded, from a goroutine and
// from a greenlet (whose call runs on a goroutine).
func TestSharedReadMsgTimesOut(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		a := sa.(msgConn)
		type result struct {
			n, oobn int
			err     error
		}
		read := func() result {
			require.NoError(t, sa.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
			n, oobn, _, _, err := a.ReadMsgUnix(make([]byte, 4), make([]byte, 64))
			return result{n, oobn, err}
		}
		got, err := scheduler.RunBlocking(bg, func() (result, error) { return read(), nil })
		require.NoError(t, err)
		assert.ErrorIs(t, got.err, os.ErrDeadlineExceeded, "a goroutine's call")
		assert.Zero(t, got.n)
		assert.Zero(t, got.oobn)
		got = read()
		assert.ErrorIs(t, got.err, os.ErrDeadlineExceeded, "a greenlet's call")
		assert.Zero(t, got.n)
		return nil
	})
}

// TestKilledSharedWriteMsgSendsItsOwnFD: a greenlet's WriteMsgUnix of a shared socket runs on
// a goroutine that goes on when the greenlet is killed; the descriptor it then sends is the one
// the call was given, even though the killed caller closed it and its number now names another
// file (the goroutine sends a copy of its own).
func TestKilledSharedWriteMsgSendsItsOwnFD(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		fillSendBuffer(t, b.Fd())
		sb := b.Shared().(msgConn)
		var sent, other [2]int
		require.NoError(t, syscall.Pipe2(sent[:], syscall.O_CLOEXEC))
		require.NoError(t, syscall.Pipe2(other[:], syscall.O_CLOEXEC))
		defer func() {
			for _, fd := range []int{sent[0], sent[1], other[0], other[1]} {
				_ = syscall.Close(fd)
			}
		}()
		writer := scheduler.Spawn(func() (int, error) {
			n, _, err := sb.WriteMsgUnix([]byte("y"), syscall.UnixRights(sent[0]), nil)
			return n, err
		})
		// The write's goroutine waits for room (a kill before it began would send nothing).
		waitForFrame(t, "socket.(*netFD).waitShared")
		require.NoError(t, writer.Kill(testctx.Within(t, 5*time.Second), nil))
		// The killed caller's descriptor is gone: its number names the other pipe now.
		require.NoError(t, syscall.Dup3(other[0], sent[0], syscall.O_CLOEXEC))

		a := sa.(msgConn)
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		p, oob := make([]byte, 1<<16), make([]byte, 64)
		for {
			n, oobn, _, _, err := a.ReadMsgUnix(p, oob)
			require.NoError(t, err)
			if oobn == 0 {
				continue
			}
			assert.Equal(t, byte('y'), p[n-1])
			fds := rightsIn(t, oob[:oobn])
			require.Len(t, fds, 1)
			defer syscall.Close(fds[0])
			assert.True(t, sameFile(t, fds[0], sent[1]), "the pipe the call was given was sent")
			return nil
		}
	})
}
