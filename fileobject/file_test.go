package fileobject_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// assertClosed asserts that err is the closed family's, as sockets' closed errors are.
func assertClosed(t *testing.T, err error) {
	t.Helper()
	assert.ErrorIs(t, err, fileobject.ErrClosed)
	assert.ErrorIs(t, err, os.ErrClosed)
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.ErrorIs(t, err, scheduler.ErrClosed)
}

// assertTimeout asserts that err is a deadline's, as *os.File's deadline errors are.
func assertTimeout(t *testing.T, err error) {
	t.Helper()
	assert.ErrorIs(t, err, fileobject.ErrTimeout)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.ErrorIs(t, err, scheduler.ErrTimeout)
	assert.True(t, os.IsTimeout(err), "os.IsTimeout(%v)", err)
}

func TestPipeRoundTripAndEOF(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		assert.NotEqual(t, -1, r.Fd())
		assert.Equal(t, "|0", r.Name())
		n, err := w.Write([]byte("hello"))
		require.NoError(t, err)
		assert.Equal(t, 5, n)
		_, err = w.WriteString(" world")
		require.NoError(t, err)
		require.NoError(t, w.Close())
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, "hello world", string(got))
		// EOF is returned bare, as io.Reader callers compare it.
		n, err = r.Read(make([]byte, 4))
		assert.Equal(t, 0, n)
		assert.Equal(t, io.EOF, err)
		// An empty read or write returns at once.
		n, err = r.Read(nil)
		assert.Equal(t, 0, n)
		assert.NoError(t, err)
		return nil
	})
}

// A big transfer between two greenlets fills the pipe, so both sides wait in turn.
func TestPipeBigTransferBetweenGreenlets(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, 16 pipe buffers
		writer := scheduler.Go(func() error {
			defer w.Close()
			n, err := w.Write(msg)
			if n != len(msg) {
				return io.ErrShortWrite
			}
			return err
		})
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(msg, got), "got %d bytes", len(got))
		require.NoError(t, writer.Join(bg))
		return writer.Err()
	})
}

func TestWriteToClosedReaderIsEPIPE(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer w.Close()
		require.NoError(t, r.Close())
		_, err = w.Write([]byte("x"))
		assert.ErrorIs(t, err, syscall.EPIPE)
		var fe *fileobject.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "File.Write", fe.Op)
		assert.Equal(t, "fileobject: File.Write |1: write: broken pipe", err.Error())
		return nil
	})
}

// After a wait the read side's io watcher stays active, but it does not count for the loop: a
// File nobody waits on leaves the hub free to run dry. Data that arrives with nobody waiting
// fires it once more, which stops it; the next Read finds the data and needs no wait.
func TestIdleWatcherDoesNotHoldTheLoop(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		h := scheduler.CurrentHub()
		loop := h.Loop()
		idle := loop.ActiveCount()
		reader := spawnIO(func() (int, error) { return r.Read(make([]byte, 8)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, idle+1, loop.ActiveCount(), "the reader's watcher counts while it waits")
		_, err = w.Write([]byte("a"))
		require.NoError(t, err)
		n, err := result(t, reader)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, idle, loop.ActiveCount(), "the watcher left active no longer counts")
		// Nothing waits: the hub runs dry (the test fails on its deadline if the watcher
		// kept the loop alive).
		require.NoError(t, h.Join(testctx.Within(t, 5*time.Second)))
		// Data with nobody waiting: the watcher fires for nobody and stops, with the count
		// still right; the data is read without a wait.
		_, err = w.Write([]byte("b"))
		require.NoError(t, err)
		require.NoError(t, scheduler.Sleep(bg, time.Millisecond))
		assert.Equal(t, idle, loop.ActiveCount())
		buf := make([]byte, 8)
		n, err = r.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "b", string(buf[:n]))
		require.NoError(t, h.Join(testctx.Within(t, 5*time.Second)))
		return nil
	})
}

// Close from another greenlet wakes a greenlet blocked in Read with the closed error, frees the
// io watcher before the fd is closed, and closes the fd.
func TestCloseWakesBlockedReader(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer w.Close()
		loop := scheduler.CurrentHub().Loop()
		idle := loop.ActiveCount()
		reader := spawnIO(func() (int, error) { return r.Read(make([]byte, 8)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Greater(t, loop.ActiveCount(), idle, "the reader waits on an io watcher")
		fd := r.Fd()
		require.NoError(t, r.Close())
		assert.False(t, isOpen(fd), "Close closed the descriptor")
		_, err = result(t, reader)
		assertClosed(t, err)
		assert.Equal(t, idle, loop.ActiveCount(), "Close freed the watcher")
		// Everything after Close fails the same way.
		_, err = r.Read(make([]byte, 1))
		assertClosed(t, err)
		assertClosed(t, r.Close())
		assertClosed(t, r.SetDeadline(time.Time{}))
		return nil
	})
}

// Close from a plain goroutine hands the teardown to the hub and returns once the fd is closed.
func TestCloseFromGoroutineWakesBlockedWriter(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		writer := spawnIO(func() (int, error) { return w.Write(make([]byte, 1<<20)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		fd := w.Fd()
		closed, err := scheduler.RunBlocking(bg, func() (bool, error) {
			err := w.Close()
			return !isOpen(fd), err
		})
		require.NoError(t, err)
		assert.True(t, closed, "the fd was closed when Close returned")
		n, err := result(t, writer)
		assertClosed(t, err)
		assert.Positive(t, n, "what went out before the wait is counted")
		return nil
	})
}

func TestReadDeadline(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		require.NoError(t, r.SetReadDeadline(time.Now().Add(20*ms)))
		start := time.Now()
		_, err = r.Read(make([]byte, 1))
		assertTimeout(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 15*ms)
		// A deadline in the past fails at once, even with data waiting, as *os.File's does.
		_, err = w.Write([]byte("x"))
		require.NoError(t, err)
		_, err = r.Read(make([]byte, 1))
		assertTimeout(t, err)
		require.NoError(t, r.SetReadDeadline(time.Time{}))
		_, err = r.Read(make([]byte, 1))
		require.NoError(t, err)
		return nil
	})
}

// A deadline set while a greenlet waits reaches it at once, and clearing it lets the wait go on.
func TestDeadlineChangedDuringWait(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		require.NoError(t, r.SetReadDeadline(time.Now().Add(time.Hour)))
		reader := spawnIO(func() (int, error) { return r.Read(make([]byte, 1)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, r.SetDeadline(time.Now().Add(10*ms)))
		_, err = result(t, reader)
		assertTimeout(t, err)

		require.NoError(t, r.SetReadDeadline(time.Now().Add(10*ms)))
		reader = spawnIO(func() (int, error) { return r.Read(make([]byte, 1)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, r.SetReadDeadline(time.Time{}))
		require.NoError(t, scheduler.Sleep(bg, 30*ms)) // past the cleared deadline
		assert.False(t, reader.Ready(), "the cleared deadline still fired")
		_, err = w.Write([]byte("y"))
		require.NoError(t, err)
		n, err := result(t, reader)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		return nil
	})
}

func TestWriteDeadlineReportsPartialWrite(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		require.NoError(t, w.SetWriteDeadline(time.Now().Add(20*ms)))
		n, err := w.Write(make([]byte, 1<<20))
		assertTimeout(t, err)
		assert.Positive(t, n)
		assert.Less(t, n, 1<<20)
		return nil
	})
}

func TestReadContext(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		ctx, cancel := context.WithTimeout(bg, 10*ms)
		defer cancel()
		_, err = r.ReadContext(ctx, make([]byte, 1))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)

		ctx, cancel = context.WithCancel(bg)
		time.AfterFunc(5*ms, cancel)
		_, err = r.ReadContext(ctx, make([]byte, 1))
		assert.ErrorIs(t, err, context.Canceled)

		require.NoError(t, w.SetWriteDeadline(time.Time{}))
		n, err := w.WriteContext(testctx.Within(t, 10*ms), make([]byte, 1<<20))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Positive(t, n)
		return nil
	})
}

// A greenlet killed while it waits gets the kill's error; the File stays usable.
func TestKillDuringRead(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		reader := spawnIO(func() (int, error) { return r.Read(make([]byte, 1)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, reader.Kill(bg, nil))
		_, err = result(t, reader)
		assert.ErrorIs(t, err, scheduler.ErrGreenletExit, "Read returned the kill's error")
		_, err = w.Write([]byte("z"))
		require.NoError(t, err)
		b := make([]byte, 1)
		_, err = r.Read(b)
		require.NoError(t, err)
		assert.Equal(t, "z", string(b))
		return nil
	})
}

func TestConcurrentReadersAreRefused(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		first := spawnIO(func() (int, error) { return r.Read(make([]byte, 1)) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		_, err = r.Read(make([]byte, 1))
		assert.ErrorIs(t, err, scheduler.ErrConcurrentUse)
		_, err = w.Write([]byte("a"))
		require.NoError(t, err)
		_, err = result(t, first)
		return err
	})
}

// New takes a blocking descriptor over and Close puts O_NONBLOCK back as it found it: the flag
// lives in the open file description, which a dup (or a parent shell) shares.
func TestNewRestoresBlockingModeOnClose(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pw.Close()
	dup, err := syscall.Dup(int(pr.Fd()))
	require.NoError(t, err)
	defer syscall.Close(dup)
	require.Zero(t, flags(t, dup)&syscall.O_NONBLOCK)
	f, err := fileobject.New(pr)
	require.NoError(t, err)
	assert.NotZero(t, flags(t, dup)&syscall.O_NONBLOCK, "New made the description non-blocking")
	require.NoError(t, f.Close())
	assert.Zero(t, flags(t, dup)&syscall.O_NONBLOCK, "Close put the flag back")
}

// A File whose hub is destroyed can be closed afterwards from anywhere, and one that was never
// used by a hub closes at once.
func TestCloseAfterHubDestroyedAndUnbound(t *testing.T) {
	var r, w *fileobject.File
	run(t, func() error {
		var err error
		r, w, err = fileobject.Pipe()
		require.NoError(t, err)
		spawnIO(func() (int, error) { return r.Read(make([]byte, 1)) })
		return scheduler.Sleep(bg, 0) // the reader is still blocked at Destroy
	})
	fd := r.Fd()
	require.NoError(t, r.Close())
	assert.False(t, isOpen(fd))
	require.NoError(t, w.Close())
}

// A File bound to a destroyed hub binds to the next one that uses it, with new watchers.
func TestFileMovesToNextHub(t *testing.T) {
	r, w, err := fileobject.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	for range 2 {
		run(t, func() error {
			reader := spawnIO(func() (int, error) { return r.Read(make([]byte, 2)) })
			require.NoError(t, scheduler.Sleep(bg, 0))
			_, err := w.Write([]byte("ok"))
			require.NoError(t, err)
			n, err := result(t, reader)
			assert.Equal(t, 2, n)
			return err
		})
	}
}

// Outside a greenlet, or in the hub greenlet, every blocking call is refused and no hub appears.
func TestAffinity(t *testing.T) {
	r, w, err := fileobject.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	_, err = r.Read(make([]byte, 1))
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	_, err = w.Write([]byte("x"))
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	assert.ErrorIs(t, r.SetDeadline(time.Now()), scheduler.ErrNotGreenlet)
	assert.Nil(t, scheduler.CurrentHub(), "no hub was created")
	run(t, func() error {
		h := scheduler.CurrentHub()
		done := make(chan error, 1)
		h.RunCallback(func() {
			_, err := r.Read(make([]byte, 1))
			done <- err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.ErrorIs(t, <-done, scheduler.ErrNotGreenlet)
		// A plain goroutine while the File is bound to this hub.
		_, _ = w.Write([]byte("b")) // binds w
		_, err := scheduler.RunBlocking(bg, func() (int, error) { return w.Write([]byte("x")) })
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		return nil
	})
}

func TestZeroAndNil(t *testing.T) {
	var zero fileobject.File
	var nilFile *fileobject.File
	for _, f := range []*fileobject.File{&zero, nilFile} {
		_, err := f.Read(make([]byte, 1))
		assert.ErrorIs(t, err, fileobject.ErrBadFD)
		assertClosed(t, err)
		_, err = f.Write([]byte("x"))
		assert.ErrorIs(t, err, fileobject.ErrBadFD)
		assert.ErrorIs(t, f.Close(), fileobject.ErrBadFD)
		assert.ErrorIs(t, f.SetDeadline(time.Time{}), fileobject.ErrBadFD)
		assert.Equal(t, -1, f.Fd())
		assert.Equal(t, "", f.Name())
		assert.False(t, f.Threaded())
	}
	_, err := fileobject.New(nil)
	assert.ErrorIs(t, err, scheduler.ErrNilArgument)
	assert.EqualError(t, err, "fileobject: New: nil *os.File: nil argument")
	_, err = fileobject.NewThread(nil)
	assert.ErrorIs(t, err, scheduler.ErrNilArgument)
	_, err = fileobject.NewFD(-1)
	assert.ErrorIs(t, err, fileobject.ErrBadFD)

	r, w, err := fileobject.Pipe()
	require.NoError(t, err)
	defer w.Close()
	fd := r.Fd()
	require.NoError(t, r.Close())
	_, err = fileobject.NewFD(fd)
	assert.ErrorIs(t, err, fileobject.ErrBadFD, "a closed descriptor")
	run(t, func() error {
		var nilCtx context.Context
		_, err := w.ReadContext(nilCtx, make([]byte, 1))
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = w.WriteContext(nilCtx, []byte("x"))
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		return nil
	})
}

// New on a closed *os.File fails with the closed error and changes nothing.
func TestNewClosedFile(t *testing.T) {
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	require.NoError(t, pr.Close())
	_, err = fileobject.New(pr)
	assertClosed(t, err)
}

// NewFD of a descriptor it cannot take (an O_PATH descriptor, which epoll refuses with EBADF)
// fails and leaves fd the caller's, as its doc says: it used to wrap fd in an *os.File first and
// drop it, whose finalizer then closed fd behind the caller's back (or a file opened later under
// the same number).
func TestNewFDErrorLeavesTheDescriptor(t *testing.T) {
	const oPath = 0x200000 // O_PATH, which package syscall does not name
	fd, err := syscall.Open(os.TempDir(), oPath|syscall.O_CLOEXEC, 0)
	require.NoError(t, err)
	defer syscall.Close(fd)
	_, err = fileobject.NewFD(fd)
	require.ErrorIs(t, err, syscall.EBADF)
	assert.EqualError(t, err, fmt.Sprintf("fileobject: NewFD fd %d: epoll_ctl: bad file descriptor", fd))
	// Run the finalizers of what NewFD dropped: once a finalizer set after the call has run,
	// those queued by the same collections have too.
	for range 2 {
		ran := make(chan struct{})
		runtime.SetFinalizer(new([64]byte), func(*[64]byte) { close(ran) })
		require.Eventually(t, func() bool {
			runtime.GC()
			select {
			case <-ran:
				return true
			default:
				return false
			}
		}, 5*time.Second, time.Millisecond)
	}
	assert.True(t, isOpen(fd), "the caller's descriptor was closed")
}

// A deadline timer counts from the loop's cached clock, which lags behind the wall clock after
// the hub's goroutine was held: the wait must not give up before the deadline (the bug: the
// timer fired at once, Read returned ErrTimeout early, and the next Read, past no deadline,
// consumed data meant to be refused).
func TestDeadlineNotEarlyWithStaleLoopClock(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		for _, f := range []*fileobject.File{r, w} {
			require.NoError(t, scheduler.Sleep(bg, 0)) // a loop iteration caches the clock
			time.Sleep(30 * ms)                        // hold the hub: the cached clock lags 30 ms
			deadline := time.Now().Add(20 * ms)
			require.NoError(t, f.SetDeadline(deadline))
			if f == r {
				_, err = r.Read(make([]byte, 1))
			} else {
				_, err = w.Write(make([]byte, 1<<20))
			}
			assertTimeout(t, err)
			assert.False(t, time.Now().Before(deadline), "gave up %v before the deadline", time.Until(deadline))
		}
		return nil
	})
}
