package socket_test

import (
	"bytes"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// killedSharedRead starts a greenlet reading into buf from the shared socket r, kills it while
// it waits (its call goes on, on RunBlocking's goroutine), then has the peer w send msg.
func killedSharedRead(t *testing.T, r net.Conn, w *socket.Conn, buf []byte, msg string) {
	t.Helper()
	reader := scheduler.Spawn(func() (int, error) { return r.Read(buf) })
	require.NoError(t, scheduler.Sleep(bg, 0)) // the reader waits in RunBlocking
	err := reader.Kill(testctx.Within(t, 5*time.Second), nil)
	require.NoError(t, err)
	require.True(t, reader.Dead())
	// The caller owns buf again and reuses it: the killed call must not write into it.
	for i := range buf {
		buf[i] = 'Y'
	}
	_, err = w.Write([]byte(msg))
	require.NoError(t, err)
	waitUnread(t, r)
}

// waitUnread waits, polling with a deadline, until c's receive queue is empty: the killed call's
// goroutine read what the peer sent (there is nothing else to watch it by).
func waitUnread(t *testing.T, c net.Conn) {
	t.Helper()
	fd := c.(interface{ Fd() int }).Fd()
	err := pollUntil(testctx.Within(t, 5*time.Second), func() bool {
		var n int32
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
		require.Zero(t, e)
		return n == 0
	})
	require.NoError(t, err, "the killed call read what was sent")
}

// TestKilledSharedReadKeepsItsBytes: a greenlet's Read of a shared socket runs on a goroutine
// (RunBlocking) that goes on when the greenlet is killed. That read used to fill the caller's
// buffer after the caller had returned (a data race, under -race a report) and the bytes it
// read were lost to the stream. Now they are kept for the next Read, from any greenlet or
// goroutine, and the first caller's buffer is left alone.
func TestKilledSharedReadKeepsItsBytes(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		buf := make([]byte, 16)
		killedSharedRead(t, sa, b, buf, "hello")
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		// From another greenlet, through small buffers: the rest of a kept read stays kept.
		var got []byte
		for len(got) < len("hello") {
			p := make([]byte, 2)
			n, err := sa.Read(p)
			require.NoError(t, err, "after %q", got)
			got = append(got, p[:n]...)
		}
		assert.Equal(t, "hello", string(got), "no byte lost")
		assert.Equal(t, bytes.Repeat([]byte("Y"), len(buf)), buf, "the killed call left the buffer alone")
		// From a goroutine: the stream goes on where it was.
		_, err := b.Write([]byte("world"))
		require.NoError(t, err)
		got, err = scheduler.RunBlocking(bg, func() ([]byte, error) {
			p := make([]byte, 16)
			n, err := sa.Read(p)
			return p[:n], err
		})
		require.NoError(t, err)
		assert.Equal(t, "world", string(got))
		return nil
	})
}

// TestKilledSharedReadThenGoroutine: the bytes a killed greenlet's read got go to the next Read
// even when a goroutine makes it; EOF met by a killed read is reported to the next one too.
func TestKilledSharedReadThenGoroutine(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		buf := make([]byte, 16)
		killedSharedRead(t, sa, b, buf, "hello")
		require.NoError(t, b.Close())
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		got, err := scheduler.RunBlocking(bg, func() ([]byte, error) {
			return io.ReadAll(sa)
		})
		require.NoError(t, err)
		assert.Equal(t, "hello", string(got), "no byte lost")
		assert.Equal(t, bytes.Repeat([]byte("Y"), len(buf)), buf, "the killed call left the buffer alone")
		return nil
	})
}

// TestKilledSharedReadTimeout: a socket of another hub, shared, read by a greenlet whose
// call ends with a scheduler.Timeout: same contract.
func TestKilledSharedReadTimeout(t *testing.T) {
	hA, _ := hubOnGoroutine(t)
	c, peer := sharedPair(t, hA)
	defer c.Close()
	run(t, func() error {
		buf := make([]byte, 16)
		tm := scheduler.NewTimeout(ms, nil)
		require.NoError(t, tm.Start())
		_, err := c.Read(buf)
		tm.Cancel()
		require.ErrorIs(t, err, tm, "the timeout ended the read")
		for i := range buf {
			buf[i] = 'Y'
		}
		_, err = scheduler.RunBlocking(bg, func() (int, error) { return peer.Write([]byte("hello")) })
		require.NoError(t, err)
		waitUnread(t, c)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		p := make([]byte, 16)
		n, err := c.Read(p)
		require.NoError(t, err)
		assert.Equal(t, "hello", string(p[:n]), "no byte lost")
		assert.Equal(t, bytes.Repeat([]byte("Y"), len(buf)), buf, "the timed-out call left the buffer alone")
		return nil
	})
}

// TestKilledSharedWriteSendsNoLaterBytes: a greenlet's Write of a shared socket runs on a
// goroutine that goes on when the greenlet is killed. It used to go on writing from the
// caller's buffer after the caller had returned: what the caller wrote into it next went out on
// the wire (and -race reported the race). Now it writes from a copy: the peer reads a prefix of
// the original data, never the bytes written later.
func TestKilledSharedWriteSendsNoLaterBytes(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer b.Close()
		data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB: more than the buffers hold
		orig := bytes.Clone(data)
		writer := scheduler.Spawn(func() (int, error) { return sa.Write(data) })
		require.NoError(t, scheduler.Sleep(bg, 0)) // the writer waits in RunBlocking
		require.NoError(t, writer.Kill(testctx.Within(t, 5*time.Second), nil))
		require.True(t, writer.Dead())
		// The caller owns data again and reuses it.
		for i := range data {
			data[i] = 'X'
		}
		require.NoError(t, b.SetReadDeadline(time.Now().Add(10*time.Second)))
		got := make([]byte, 0, len(orig))
		p := make([]byte, 64<<10)
		for len(got) < len(orig) {
			n, err := b.Read(p)
			got = append(got, p[:n]...)
			if err != nil {
				break
			}
		}
		require.NoError(t, sa.Close())
		require.LessOrEqual(t, len(got), len(orig))
		assert.True(t, bytes.Equal(orig[:len(got)], got), "the peer read a prefix of the original data")
		return nil
	})
}

// datagramPair returns a shared datagram socket of network ("udp", "unixgram") and an unshared
// peer of the calling greenlet's hub, both bound (a unix sender needs a name to be named).
func datagramPair(t *testing.T, network string) (*socket.PacketConn, *socket.PacketConn) {
	t.Helper()
	addr := [2]string{"127.0.0.1:0", "127.0.0.1:0"}
	if network == "unixgram" {
		dir := t.TempDir()
		addr = [2]string{dir + "/r", dir + "/w"}
	}
	r, err := socket.ListenPacket(network, addr[0])
	require.NoError(t, err)
	require.NotNil(t, r.Shared())
	w, err := socket.ListenPacket(network, addr[1])
	require.NoError(t, err)
	return r, w
}

// killedSharedReceive starts a greenlet in receive on the shared socket r, kills it while it
// waits (its call goes on, on RunBlocking's goroutine), then has w send msg to r and waits,
// polling with a deadline, until r keeps what the killed call received.
func killedSharedReceive(t *testing.T, r, w *socket.PacketConn, receive func() error, msg string) {
	t.Helper()
	reader := scheduler.Spawn(func() (struct{}, error) { return struct{}{}, receive() })
	require.NoError(t, scheduler.Sleep(bg, 0)) // the reader waits in RunBlocking
	require.NoError(t, reader.Kill(testctx.Within(t, 5*time.Second), nil))
	require.True(t, reader.Dead())
	_, err := w.WriteTo([]byte(msg), r.LocalAddr())
	require.NoError(t, err)
	err = pollUntil(testctx.Within(t, 5*time.Second), func() bool { return socket.HasKept(r) })
	require.NoError(t, err, "the killed call kept the datagram it received")
}

// TestKilledSharedReadFromKeepsItsDatagram: a greenlet's ReadFrom (ReadDatagram, Read) of a shared
// datagram socket runs on a goroutine (RunBlocking) that goes on when the greenlet is killed.
// The datagram it then received used to be dropped. Now it is kept with its sender, and the
// next receive of the socket, from a goroutine or a greenlet, returns it first, truncated to its
// buffer as a datagram read is (the rest of it is not kept: the next datagram follows).
func TestKilledSharedReadFromKeepsItsDatagram(t *testing.T) {
	const msg = "hello, datagram"
	type receive func(r *socket.PacketConn) (string, net.Addr, error)
	readFrom := func(r *socket.PacketConn) (string, net.Addr, error) {
		p := make([]byte, 5)
		n, from, err := r.ReadFrom(p)
		return string(p[:n]), from, err
	}
	readDatagram := func(r *socket.PacketConn) (string, net.Addr, error) {
		data, from, err := r.ReadDatagram()
		return string(data), from, err
	}
	onGoroutine := func(fn receive) receive {
		return func(r *socket.PacketConn) (string, net.Addr, error) {
			type res struct {
				s    string
				from net.Addr
			}
			v, err := scheduler.RunBlocking(bg, func() (res, error) {
				s, from, err := fn(r)
				return res{s, from}, err
			})
			return v.s, v.from, err
		}
	}
	firsts := map[string]func(r *socket.PacketConn, buf []byte) error{
		"ReadFrom": func(r *socket.PacketConn, buf []byte) error {
			_, _, err := r.ReadFrom(buf)
			return err
		},
		"Read": func(r *socket.PacketConn, buf []byte) error {
			_, err := r.Read(buf[:4]) // shorter than the datagram: it is kept whole all the same
			return err
		},
		"ReadDatagram": func(r *socket.PacketConn, _ []byte) error {
			_, _, err := r.ReadDatagram()
			return err
		},
	}
	nexts := map[string]struct {
		fn   receive
		want string
	}{
		"ReadFrom/goroutine":     {onGoroutine(readFrom), msg[:5]},
		"ReadFrom/greenlet":      {readFrom, msg[:5]},
		"ReadDatagram/greenlet":  {readDatagram, msg},
		"ReadDatagram/goroutine": {onGoroutine(readDatagram), msg},
	}
	for _, network := range []string{"udp", "unixgram"} {
		for firstName, first := range firsts {
			for nextName, next := range nexts {
				t.Run(network+"/"+firstName+"/"+nextName, func(t *testing.T) {
					run(t, func() error {
						r, w := datagramPair(t, network)
						defer r.Close()
						defer w.Close()
						buf := make([]byte, 16)
						killedSharedReceive(t, r, w, func() error { return first(r, buf) }, msg)
						// The caller owns buf again: the killed call must not write into it.
						for i := range buf {
							buf[i] = 'Y'
						}
						require.NoError(t, r.SetReadDeadline(time.Now().Add(5*time.Second)))
						got, from, err := next.fn(r)
						require.NoError(t, err)
						assert.Equal(t, next.want, got, "the kept datagram, cut to the buffer")
						assert.Equal(t, w.LocalAddr().String(), from.String(), "its sender")
						// The next datagram follows: nothing of the first one is left over.
						_, err = w.WriteTo([]byte("next"), r.LocalAddr())
						require.NoError(t, err)
						got, from, err = next.fn(r)
						require.NoError(t, err)
						assert.Equal(t, "next", got)
						assert.Equal(t, w.LocalAddr().String(), from.String())
						assert.Equal(t, bytes.Repeat([]byte("Y"), len(buf)), buf, "the killed call left the buffer alone")
						return nil
					})
				})
			}
		}
	}
}

// TestKilledSharedReadFromThenRead: a datagram kept by a killed greenlet's ReadFrom goes to the
// next Read too (of a connected socket, from a goroutine), truncated to its buffer.
func TestKilledSharedReadFromThenRead(t *testing.T) {
	run(t, func() error {
		r, w := datagramPair(t, "udp")
		defer r.Close()
		defer w.Close()
		killedSharedReceive(t, r, w, func() error {
			_, _, err := r.ReadFrom(make([]byte, 64))
			return err
		}, "hello, datagram")
		require.NoError(t, r.SetReadDeadline(time.Now().Add(5*time.Second)))
		got, err := scheduler.RunBlocking(bg, func() (string, error) {
			p := make([]byte, 5)
			n, err := r.Read(p)
			return string(p[:n]), err
		})
		require.NoError(t, err)
		assert.Equal(t, "hello", got)
		return nil
	})
}

// TestKeptBytesWaitForAPassedReadDeadline: what a killed greenlet's read of a shared socket
// kept is returned by the next read as a read just made, so a read deadline that passed fails
// that read first, as package net fails a read whose deadline passed whatever is queued (the
// shared socket's doc: a passed deadline fails a call that would not block); the bytes stay for
// the read after the deadline is moved on. The kept bytes were returned despite the deadline.
func TestKeptBytesWaitForAPassedReadDeadline(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		killedSharedRead(t, sa, b, make([]byte, 16), "hello")
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(-time.Second)))
		p := make([]byte, 16)
		n, err := sa.Read(p)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "read %q", p[:n])
		assert.Zero(t, n)
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		n, err = sa.Read(p)
		require.NoError(t, err)
		assert.Equal(t, "hello", string(p[:n]), "the kept bytes stay for the next read")
		return nil
	})
}
