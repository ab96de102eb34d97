package socket_test

import (
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// readRaw reads into b through rc, asking again while the socket has nothing (EAGAIN).
func readRaw(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		n, rerr = syscall.Read(int(fd), b)
		return !errors.Is(rerr, syscall.EAGAIN)
	})
	if err != nil {
		return 0, err
	}
	return n, rerr
}

// SyscallConn gives package net's syscall.RawConn: Control sets and reads socket options (from
// a plain goroutine too), Read waits cooperatively between the function's tries (another
// greenlet runs and writes meanwhile), Write writes; after Close every call fails with
// net.ErrClosed, and a plain goroutine's Read of a hub-affine socket with ErrNotGreenlet.
func TestSyscallConn(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer b.Close()
		rc, err := a.SyscallConn()
		require.NoError(t, err)

		var typ, keep int
		require.NoError(t, rc.Control(func(fd uintptr) {
			typ, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TYPE)
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1)
		}))
		assert.Equal(t, syscall.SOCK_STREAM, typ)
		done := make(chan error, 1)
		go func() {
			done <- rc.Control(func(fd uintptr) {
				keep, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
			})
		}()
		require.NoError(t, <-done, "Control from a plain goroutine")
		assert.Equal(t, 1, keep)

		writer := scheduler.Go(func() error { _, err := b.Write([]byte("raw")); return err })
		buf := make([]byte, 8)
		n, err := readRaw(rc, buf)
		require.NoError(t, err)
		assert.Equal(t, "raw", string(buf[:n]))
		require.NoError(t, writer.Join(testctx.Within(t, 5*time.Second)))

		require.NoError(t, rc.Write(func(fd uintptr) bool {
			_, err := syscall.Write(int(fd), []byte("back"))
			return err == nil
		}))
		n, err = b.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "back", string(buf[:n]))

		go func() { _, err := readRaw(rc, buf); done <- err }()
		err = <-done
		require.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		var oe *net.OpError
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, "raw-read", oe.Op)

		require.NoError(t, a.Close())
		require.ErrorIs(t, rc.Control(func(uintptr) {}), net.ErrClosed)
		_, err = readRaw(rc, buf)
		require.ErrorIs(t, err, net.ErrClosed)
		return nil
	})
	var nilConn *socket.Conn
	_, err := nilConn.SyscallConn()
	require.ErrorIs(t, err, scheduler.ErrNilArgument)
	_, err = new(socket.Conn).SyscallConn()
	require.ErrorIs(t, err, socket.ErrBadFD)
}

// A shared socket's RawConn waits in Go's poller: a plain goroutine's raw Read gets what the
// other end writes, whether it came before the Read or while it waited. A Listener's RawConn reads its options too.
func TestSyscallConnSharedAndListener(t *testing.T) {
	run(t, func() error {
		shared, b := sharedSocketpair(t)
		defer shared.Close()
		defer b.Close()
		sc, ok := shared.(syscall.Conn)
		require.True(t, ok, "a shared Conn is a syscall.Conn")
		rc, err := sc.SyscallConn()
		require.NoError(t, err)
		got := make(chan string, 1)
		go func() {
			buf := make([]byte, 8)
			n, err := readRaw(rc, buf)
			if err != nil {
				got <- err.Error()
				return
			}
			got <- string(buf[:n])
		}()
		_, err = b.Write([]byte("late"))
		require.NoError(t, err)
		v, err := scheduler.RunBlocking(testctx.Within(t, 5*time.Second), func() (string, error) { return <-got, nil })
		require.NoError(t, err)
		assert.Equal(t, "late", v)

		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		lrc, err := ln.SyscallConn()
		require.NoError(t, err)
		var accepting int
		require.NoError(t, lrc.Control(func(fd uintptr) {
			accepting, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN)
		}))
		assert.Equal(t, 1, accepting)
		return nil
	})
}

// A greenlet's raw Read of a shared socket runs on RunBlocking's goroutine, which goes on
// waiting when the greenlet is killed. It used to call the function again once the peer wrote:
// after the Read had returned (racing with its caller) and taking the bytes, lost to the next
// Read. Now the function is not called after the Read returned, and the bytes stay on the
// socket.
func TestKilledSharedRawReadCallsNoMore(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		rc, err := sa.(syscall.Conn).SyscallConn()
		require.NoError(t, err)
		var tries, late atomic.Int32
		var returned atomic.Bool
		reader := scheduler.Go(func() error {
			buf := make([]byte, 16)
			return rc.Read(func(fd uintptr) bool {
				tries.Add(1)
				if returned.Load() {
					late.Add(1)
				}
				_, err := syscall.Read(int(fd), buf)
				return !errors.Is(err, syscall.EAGAIN)
			})
		})
		require.NoError(t, pollUntil(testctx.Within(t, 5*time.Second), func() bool { return tries.Load() > 0 }),
			"the raw Read never tried")
		require.NoError(t, reader.Kill(testctx.Within(t, 5*time.Second), nil))
		returned.Store(true)
		_, err = b.Write([]byte("hello"))
		require.NoError(t, err)
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		p := make([]byte, 16)
		n, err := sa.Read(p)
		require.NoError(t, err, "the bytes were taken by the killed Read's function")
		assert.Equal(t, "hello", string(p[:n]))
		assert.Zero(t, late.Load(), "the function ran after its Read returned")
		return nil
	})
}

// Control's error has package net's shape: raw-control, no Source and the local address as
// Addr (Read's and Write's have the local address as Source, the remote one as Addr, as the
// socket's other calls). It had the local address as Source and the remote one as Addr.
func TestSyscallConnControlErrorShape(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	nc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	nrc, err := nc.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	require.NoError(t, nc.Close())
	var want *net.OpError
	require.ErrorAs(t, nrc.Control(func(uintptr) {}), &want)
	require.Nil(t, want.Source, "package net's raw-control")
	require.Equal(t, nc.LocalAddr().String(), want.Addr.String(), "package net's raw-control")
	run(t, func() error {
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		rc, err := c.(*socket.Conn).SyscallConn()
		require.NoError(t, err)
		require.NoError(t, c.Close())
		var got *net.OpError
		require.ErrorAs(t, rc.Control(func(uintptr) {}), &got)
		assert.Equal(t, want.Op, got.Op)
		assert.Equal(t, want.Net, got.Net)
		assert.Nil(t, got.Source)
		require.NotNil(t, got.Addr)
		assert.Equal(t, c.LocalAddr().String(), got.Addr.String())
		assert.ErrorIs(t, got, net.ErrClosed)
		return nil
	})
}

// A RawConn Read whose function panics lets go of the descriptor, as package net's does: the
// panic reaches the caller and a Close from a goroutine then closes the socket. The reference
// the Read held used to stay taken, so that Close waited for ever and the fd leaked.
func TestSyscallConnReadPanicReleasesTheSocket(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer b.Close()
		rc, err := a.SyscallConn()
		require.NoError(t, err)
		require.PanicsWithValue(t, "boom", func() {
			_ = rc.Read(func(uintptr) bool { panic("boom") })
		})
		closed := make(chan error, 1)
		go func() { closed <- a.Close() }()
		err, werr := scheduler.RunBlocking(testctx.Within(t, 5*time.Second), func() (error, error) { return <-closed, nil })
		require.NoError(t, werr, "Close from a goroutine did not return")
		require.NoError(t, err, "Close, which returns once the fd is closed")
		return nil
	})
}
