package socket_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// TestFileListener: a listener inherited as a file accepts greenlets' connections, and its
// Close leaves the file (and the listener it came from) open.
func TestFileListener(t *testing.T) {
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nl.Close()
	f, err := nl.(*net.TCPListener).File()
	require.NoError(t, err)
	defer f.Close()
	run(t, func() error {
		l, err := socket.FileListener(f)
		require.NoError(t, err)
		assert.Equal(t, nl.Addr().String(), l.Addr().String())
		g := scheduler.Spawn(func() (string, error) {
			c, err := l.AcceptConn()
			if err != nil {
				return "", err
			}
			defer c.Close()
			b, err := io.ReadAll(c)
			return string(b), err
		})
		c, err := socket.Dial("tcp", nl.Addr().String())
		require.NoError(t, err)
		_, err = c.Write([]byte("hello"))
		require.NoError(t, err)
		require.NoError(t, c.Close())
		got, err := g.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "hello", got)
		require.NoError(t, l.Close())
		_, err = f.Stat()
		assert.NoError(t, err, "closing the Listener leaves the file open")
		return nil
	})
	nc, err := net.Dial("tcp", nl.Addr().String())
	require.NoError(t, err, "the original listener still listens")
	require.NoError(t, nc.Close())
}

// TestFileListenerUnix: a Unix listener from a file names its path and does not remove it at
// Close (the file's owner does, as with package net).
func TestFileListenerUnix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	nl, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer nl.Close()
	f, err := nl.(*net.UnixListener).File()
	require.NoError(t, err)
	defer f.Close()
	run(t, func() error {
		l, err := socket.FileListener(f)
		require.NoError(t, err)
		assert.Equal(t, path, l.Addr().String())
		assert.Equal(t, "unix", l.Addr().Network())
		require.NoError(t, l.Close())
		_, err = os.Stat(path)
		assert.NoError(t, err)
		return nil
	})
}

// TestFileConn: one end of a socket pair, as a file, is a Conn of the hub.
func TestFileConn(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	f := os.NewFile(uintptr(fds[0]), "pair0")
	defer f.Close()
	peer := os.NewFile(uintptr(fds[1]), "pair1")
	defer peer.Close()
	run(t, func() error {
		c, err := socket.FileConn(f)
		require.NoError(t, err)
		defer c.Close()
		assert.Equal(t, "unix", c.LocalAddr().Network())
		require.NotNil(t, c.RemoteAddr())
		_, err = peer.Write([]byte("ping"))
		require.NoError(t, err)
		b := make([]byte, 4)
		_, err = io.ReadFull(c, b)
		require.NoError(t, err)
		assert.Equal(t, "ping", string(b))
		return nil
	})
}

// TestFilePacketConn: a UDP socket, as a file, is a PacketConn of the hub.
func TestFilePacketConn(t *testing.T) {
	npc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer npc.Close()
	f, err := npc.(*net.UDPConn).File()
	require.NoError(t, err)
	defer f.Close()
	run(t, func() error {
		pc, err := socket.FilePacketConn(f)
		require.NoError(t, err)
		defer pc.Close()
		assert.Equal(t, npc.LocalAddr().String(), pc.LocalAddr().String())
		s, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer s.Close()
		_, err = s.WriteTo([]byte("dgram"), pc.LocalAddr())
		require.NoError(t, err)
		data, from, err := pc.ReadDatagram()
		require.NoError(t, err)
		assert.Equal(t, "dgram", string(data))
		assert.Equal(t, s.LocalAddr().String(), from.String())
		return nil
	})
}

// TestFileErrors: what the File functions refuse, each with an error errors.Is can match and
// that names the file.
func TestFileErrors(t *testing.T) {
	regular, err := os.CreateTemp(t.TempDir(), "plain")
	require.NoError(t, err)
	defer regular.Close()
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nl.Close()
	lf, err := nl.(*net.TCPListener).File()
	require.NoError(t, err)
	defer lf.Close()
	npc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer npc.Close()
	uf, err := npc.(*net.UDPConn).File()
	require.NoError(t, err)
	defer uf.Close()
	closed, err := nl.(*net.TCPListener).File()
	require.NoError(t, err)
	require.NoError(t, closed.Close())

	_, err = socket.FileListener(lf)
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, "outside a greenlet")
	run(t, func() error {
		_, err := socket.FileListener(regular)
		assert.ErrorIs(t, err, syscall.ENOTSOCK)
		assert.Contains(t, err.Error(), regular.Name())
		_, err = socket.FileConn(lf)
		assert.ErrorIs(t, err, syscall.EINVAL, "a listening socket is no Conn")
		assert.Contains(t, err.Error(), "FileConn")
		_, err = socket.FileListener(uf)
		assert.ErrorIs(t, err, syscall.EINVAL, "a datagram socket is no Listener")
		_, err = socket.FileConn(uf)
		assert.ErrorIs(t, err, syscall.EINVAL, "a datagram socket is no Conn")
		_, err = socket.FilePacketConn(lf)
		assert.ErrorIs(t, err, syscall.EINVAL, "a stream socket is no PacketConn")
		_, err = socket.FileListener(nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = socket.FileListener(closed)
		assert.ErrorIs(t, err, syscall.EBADF, "a closed file")
		return nil
	})
}
