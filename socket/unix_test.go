package socket_test

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// TestUnixListenerCloseUnlinks: closing a unix listener removes its socket file, so listening on
// the path again works, as with package net (the file was left and the second Listen failed
// with EADDRINUSE); SetUnlinkOnClose(false) keeps it, as net's does, and a shared listener
// closed from a goroutine removes it too.
func TestUnixListenerCloseUnlinks(t *testing.T) {
	path := t.TempDir() + "/s.sock"
	run(t, func() error {
		for _, network := range []string{"unix", "unixpacket"} {
			ln, err := socket.Listen(network, path)
			require.NoError(t, err, network)
			require.NoError(t, ln.Close())
			_, err = os.Stat(path)
			assert.ErrorIs(t, err, fs.ErrNotExist, "%s: Close removed the socket file", network)
			assert.ErrorIs(t, ln.Close(), net.ErrClosed, "a second Close")
		}

		ln, err := socket.Listen("unix", path)
		require.NoError(t, err, "listening again on the path")
		ln.SetUnlinkOnClose(false)
		require.NoError(t, ln.Close())
		_, err = os.Stat(path)
		require.NoError(t, err, "SetUnlinkOnClose(false) keeps the file")
		_, err = socket.Listen("unix", path)
		assert.ErrorIs(t, err, syscall.EADDRINUSE, "a kept file is in use, as with package net")
		require.NoError(t, os.Remove(path))

		ln, err = socket.Listen("unix", path)
		require.NoError(t, err)
		shared := ln.Shared()
		_, err = scheduler.RunBlocking(bg, func() (struct{}, error) { return struct{}{}, shared.Close() })
		require.NoError(t, err)
		_, err = os.Stat(path)
		assert.ErrorIs(t, err, fs.ErrNotExist, "a Close from a goroutine removes the file too")

		// An abstract name has no file; closing and listening again work.
		abstract := fmt.Sprintf("@geventgo-socket-test-%d", os.Getpid())
		for range 2 {
			ln, err := socket.Listen("unix", abstract)
			require.NoError(t, err)
			require.NoError(t, ln.Close())
		}
		return nil
	})
}

// An empty unix address autobinds an abstract name, and Addr reports it so that it can be
// dialled, as with package net (Addr reported "").
func TestUnixAutobindAddr(t *testing.T) {
	run(t, func() error {
		ln, err := socket.Listen("unix", "")
		require.NoError(t, err)
		defer ln.Close()
		require.True(t, strings.HasPrefix(ln.Addr().String(), "@"), "Addr %q", ln.Addr())
		c, err := socket.Dial("unix", ln.Addr().String())
		require.NoError(t, err)
		require.NoError(t, c.Close())
		pc, err := socket.ListenPacket("unixgram", "")
		require.NoError(t, err)
		defer pc.Close()
		assert.True(t, strings.HasPrefix(pc.LocalAddr().String(), "@"), "LocalAddr %q", pc.LocalAddr())
		return nil
	})
}
