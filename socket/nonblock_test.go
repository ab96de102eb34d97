package socket_test

import (
	"bytes"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// The tests below clear O_NONBLOCK on a copy of a socket's descriptor, as a child process
// handed the copy may: the flag belongs to the open file description, so the socket here is
// then blocking too. A regression blocks the hub's thread inside a system call, where no
// deadline can end it, and a goroutine cannot rescue it: a raw system call (the data path's)
// keeps its thread out of the runtime's stop-the-world, so the next garbage collection stops
// every other goroutine, a rescuer's too. So the tests run in a child process, which the
// parent kills after childLimit: a regression fails instead of hanging the suite.

// childLimit bounds the child process: far beyond the 100 ms deadlines the tests wait for.
const childLimit = 30 * time.Second

// inChild reports whether the running test is the child; in the parent it runs the test in a
// child process (as testproc.InChild does), killed after limit, and checks that it passed.
func inChild(t *testing.T, limit time.Duration) bool {
	t.Helper()
	if os.Getenv(testproc.ChildEnv) == t.Name() {
		return true
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(testctx.Within(t, limit), exe,
		"-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), testproc.ChildEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the child test failed or was killed after %v:\n%s", limit, out)
	require.Contains(t, string(out), "--- PASS: "+t.Name(), "the child ran the test:\n%s", out)
	return false
}

// clearNonblock clears O_NONBLOCK on a copy of fd (a dup, which shares the socket's open file
// description, as a child's copy does) and checks that fd sees it.
func clearNonblock(t *testing.T, fd int) {
	t.Helper()
	require.NoError(t, clearNonblockErr(fd))
	require.Zero(t, statusFlags(t, fd)&syscall.O_NONBLOCK, "the socket is blocking now")
}

// clearNonblockErr is clearNonblock for a greenlet other than the test's own goroutine, where
// require's FailNow must not run: it returns what failed.
func clearNonblockErr(fd int) error {
	dup, err := syscall.Dup(fd)
	if err != nil {
		return err
	}
	defer syscall.Close(dup)
	return syscall.SetNonblock(dup, false)
}

// fill writes to fd (non-blocking) until its send buffer and the peer's receive buffer are
// full.
func fill(t *testing.T, fd int) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for {
		_, err := syscall.Write(fd, buf)
		if err == syscall.EAGAIN {
			return
		}
		require.NoError(t, err)
	}
}

// ticking runs a greenlet that counts its turns, a millisecond apart, and returns a function
// that reads the count; stop ends the greenlet. While a call waits cooperatively the count
// grows.
func ticking(t *testing.T) (count func() int, stop func()) {
	t.Helper()
	ticks, done := 0, false
	g := scheduler.Go(func() error {
		for !done {
			ticks++
			if err := scheduler.Sleep(bg, time.Millisecond); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, scheduler.Sleep(bg, 0)) // it starts
	return func() int { return ticks }, func() {
		done = true
		require.NoError(t, g.Join(bg))
	}
}

// cooperative runs call, a call on a socket made blocking whose deadline is 100 ms away, and
// checks that it ended with its deadline (ErrTimeout) and that the hub's other greenlet ran
// meanwhile.
func cooperative(t *testing.T, call func() error) {
	t.Helper()
	count, stop := ticking(t)
	defer stop()
	before := count()
	err := call()
	assert.ErrorIs(t, err, scheduler.ErrTimeout)
	assert.Positive(t, count()-before, "another greenlet ran during the call: it did not block the hub's thread")
}

// TestNonblockClearedByACopy: reads, writes and ReadFrom on sockets whose O_NONBLOCK a copy of
// the descriptor cleared wait cooperatively (see the subtests), in a child process.
func TestNonblockClearedByACopy(t *testing.T) {
	if !inChild(t, childLimit) {
		return
	}
	t.Run("Read", clearedRead)
	t.Run("Write", clearedWrite)
	t.Run("ReadFromFile", clearedReadFromFile)
	t.Run("ReadFromFileFinishes", clearedReadFromFileFinishes)
	t.Run("SharedRead", clearedSharedRead)
	t.Run("DatagramReads", clearedDatagramReads)
}

// clearedRead: a Read with nothing to read on a stream socket whose O_NONBLOCK a copy of its
// descriptor cleared waits cooperatively and ends with its deadline; read(2) blocked the hub's
// thread.
func clearedRead(t *testing.T) {
	pairs := map[string]func(t *testing.T) (*socket.Conn, *socket.Conn){
		"unix": func(t *testing.T) (*socket.Conn, *socket.Conn) {
			a, b, err := socket.Socketpair()
			require.NoError(t, err)
			return a, b
		},
		"tcp": tcpPair,
	}
	for name, pair := range pairs {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				a, b := pair(t)
				defer a.Close()
				defer b.Close()
				clearNonblock(t, a.Fd())
				require.NoError(t, a.SetReadDeadline(time.Now().Add(100*ms)))
				cooperative(t, func() error {
					n, err := a.Read(make([]byte, 8))
					assert.Zero(t, n)
					return err
				})
				return nil
			})
		})
	}
}

// clearedWrite: a Write into a full socket whose O_NONBLOCK a copy cleared waits cooperatively
// and ends with its deadline; write(2) blocked the hub's thread.
func clearedWrite(t *testing.T) {
	clearedFullSocket(t, func(a *socket.Conn) (int64, error) {
		n, err := a.Write([]byte("more"))
		return int64(n), err
	})
}

// clearedReadFromFile: ReadFrom of a file into a full socket whose O_NONBLOCK a copy cleared
// leaves sendfile(2), which has no MSG_DONTWAIT and blocked the hub's thread, for Write, which
// waits cooperatively and ends with its deadline.
func clearedReadFromFile(t *testing.T) {
	f, _ := tempFile(t, 1<<20)
	clearedFullSocket(t, func(a *socket.Conn) (int64, error) { return a.ReadFrom(f) })
}

// clearedFullSocket fills a socket's send buffer, clears O_NONBLOCK as a copy's owner would, and
// checks that send, sending nothing, waits cooperatively and ends with the socket's deadline.
func clearedFullSocket(t *testing.T, send func(a *socket.Conn) (int64, error)) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		fill(t, a.Fd())
		clearNonblock(t, a.Fd())
		require.NoError(t, a.SetWriteDeadline(time.Now().Add(100*ms)))
		cooperative(t, func() error {
			n, err := send(a)
			assert.Zero(t, n)
			return err
		})
		return nil
	})
}

// clearedReadFromFileFinishes: a ReadFrom of a file that finds the socket made blocking after
// sendfile sent part of it copies the rest with Write: the peer gets the whole file, in order,
// and ReadFrom counts all of it.
func clearedReadFromFileFinishes(t *testing.T) {
	f, data := tempFile(t, 3<<20)
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		reader := readAll(b)
		// The file goes out through sendfile until the socket fills; the clearer, which runs
		// while the copy waits for room, makes the socket blocking.
		cleared := false
		clearer := scheduler.Go(func() error {
			err := clearNonblockErr(a.Fd())
			cleared = err == nil
			return err
		})
		n, err := a.ReadFrom(f)
		require.NoError(t, err)
		assert.True(t, cleared, "the socket was made blocking during the copy")
		assert.Equal(t, int64(len(data)), n)
		require.NoError(t, clearer.Join(bg))
		require.NoError(t, a.CloseWrite())
		got, err := reader.Get(bg)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, got), "the peer got the file whole and in order")
		return nil
	})
}

// clearedSharedRead: on a shared socket, whose reads a goroutine makes (here for a greenlet,
// through RunBlocking), a Read with nothing to read ends with its deadline when a copy cleared
// O_NONBLOCK; read(2) blocked the goroutine where the deadline could not reach it.
func clearedSharedRead(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer a.Close()
		defer b.Close()
		sa := a.Shared()
		clearNonblock(t, a.Fd())
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(100*ms)))
		cooperative(t, func() error {
			n, err := sa.Read(make([]byte, 8))
			assert.Zero(t, n)
			return err
		})
		return nil
	})
}

// clearedDatagramReads: ReadFrom, ReadDatagram and ReadMsgUnix on a datagram socket whose
// O_NONBLOCK a copy cleared wait cooperatively and end with their deadline; recvfrom(2) and
// recvmsg(2) without MSG_DONTWAIT blocked the hub's thread.
func clearedDatagramReads(t *testing.T) {
	reads := map[string]func(p *socket.PacketConn) error{
		"ReadFrom": func(p *socket.PacketConn) error {
			_, _, err := p.ReadFrom(make([]byte, 8))
			return err
		},
		"ReadDatagram": func(p *socket.PacketConn) error {
			_, _, err := p.ReadDatagram()
			return err
		},
		"ReadMsgUnix": func(p *socket.PacketConn) error {
			_, _, _, _, err := p.ReadMsgUnix(make([]byte, 8), make([]byte, 64))
			return err
		},
	}
	for name, read := range reads {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				p, err := socket.ListenPacket("unixgram", t.TempDir()+"/s")
				require.NoError(t, err)
				defer p.Close()
				clearNonblock(t, p.Fd())
				require.NoError(t, p.SetReadDeadline(time.Now().Add(100*ms)))
				cooperative(t, func() error { return read(p) })
				return nil
			})
		})
	}
}
