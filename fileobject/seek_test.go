package fileobject_test

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

const seekData = "0123456789abcdef"

// seekFile writes seekData to a new regular file and returns it opened read-write with New
// (thread mode, as epoll refuses a regular file).
func seekFile(t *testing.T) *fileobject.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(path, []byte(seekData), 0o600))
	of, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	f, err := fileobject.New(of)
	require.NoError(t, err)
	require.True(t, f.Threaded())
	return f
}

// tell is gevent's tell: the offset the next Read starts at.
func tell(t *testing.T, f *fileobject.File) int64 {
	t.Helper()
	off, err := f.Seek(0, io.SeekCurrent)
	require.NoError(t, err)
	return off
}

// readN reads exactly n bytes from f.
func readN(t *testing.T, f *fileobject.File, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := io.ReadFull(f, b)
	require.NoError(t, err)
	return string(b)
}

// Seek and tell round trips on a regular file: from the start, from the current offset (which
// counts what Read returned), and writes land where Seek put the offset.
func TestSeekTellRoundTrip(t *testing.T) {
	f := seekFile(t)
	run(t, func() error {
		defer f.Close()
		assert.Equal(t, int64(0), tell(t, f))
		off, err := f.Seek(4, io.SeekStart)
		require.NoError(t, err)
		assert.Equal(t, int64(4), off)
		assert.Equal(t, int64(4), tell(t, f))
		assert.Equal(t, "456", readN(t, f, 3))
		assert.Equal(t, int64(7), tell(t, f))
		off, err = f.Seek(-2, io.SeekCurrent)
		require.NoError(t, err)
		assert.Equal(t, int64(5), off)
		assert.Equal(t, "56", readN(t, f, 2))

		_, err = f.Seek(0, io.SeekStart)
		require.NoError(t, err)
		_, err = f.Write([]byte("XY"))
		require.NoError(t, err)
		assert.Equal(t, int64(2), tell(t, f))
		_, err = f.Seek(0, io.SeekStart)
		require.NoError(t, err)
		got, err := io.ReadAll(f)
		require.NoError(t, err)
		assert.Equal(t, "XY"+seekData[2:], string(got))
		return nil
	})
}

// io.SeekEnd counts from the end of the file; a Read there returns io.EOF, and a Seek before
// the start fails with EINVAL, naming the call, and moves nothing.
func TestSeekEnd(t *testing.T) {
	f := seekFile(t)
	run(t, func() error {
		defer f.Close()
		off, err := f.Seek(0, io.SeekEnd)
		require.NoError(t, err)
		assert.Equal(t, int64(len(seekData)), off)
		n, err := f.Read(make([]byte, 4))
		assert.Equal(t, 0, n)
		assert.Equal(t, io.EOF, err)
		off, err = f.Seek(-3, io.SeekEnd)
		require.NoError(t, err)
		assert.Equal(t, int64(len(seekData)-3), off)
		assert.Equal(t, "def", readN(t, f, 3))

		_, err = f.Seek(-100, io.SeekEnd)
		require.ErrorIs(t, err, syscall.EINVAL)
		assert.ErrorContains(t, err, "File.Seek")
		assert.Equal(t, int64(len(seekData)), tell(t, f))
		return nil
	})
}

// abandonRead makes a thread-mode Read of n bytes whose wait ended early (its greenlet was
// killed while the read was queued behind the pool's only worker, so the kill surely came
// first) and lets the read run: it is then f's pending read, its bytes not handed out yet. The
// hub must have a pool of one worker.
func abandonRead(t *testing.T, f *fileobject.File, n int) {
	t.Helper()
	abandon(t, func() error { _, err := f.Read(make([]byte, n)); return err })
}

// abandon runs call, a call of a thread-mode File, in a greenlet killed while the call is
// queued behind the pool's only worker (busy meanwhile), then lets the call run on the worker.
// The hub must have a pool of one worker.
func abandon(t *testing.T, call func() error) {
	t.Helper()
	release, started := make(chan struct{}), make(chan struct{})
	threadpool.Spawn(threadpool.Default(), func() (int, error) { close(started); <-release; return 0, nil })
	_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { <-started; return struct{}{}, nil })
	require.NoError(t, err)
	var cerr error
	g := scheduler.Go(func() error { cerr = call(); return nil })
	waitParked(t, g)
	require.Equal(t, 2, threadpool.Default().Len(), "the call is queued behind the busy worker")
	require.NoError(t, g.Kill(bg, nil))
	assert.ErrorIs(t, cerr, scheduler.ErrGreenletExit)
	close(release)
}

// io.SeekCurrent counts from what Read handed out, not from the kernel's offset: the bytes a
// read whose wait ended early took from the file and the bytes of a read that did not fit in
// the caller's buffer are read ahead. A Seek drops them; a Seek that fails keeps them.
func TestSeekCurrentAfterPartialRead(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		// A pending read of 16 bytes: none was handed out.
		abandonRead(t, f, 16)
		assert.Equal(t, int64(0), tell(t, f))
		assert.Equal(t, "0123", readN(t, f, 4))

		// Again from 4; now 4 of its 16 bytes go out, 12 stay read ahead.
		abandonRead(t, f, 16)
		assert.Equal(t, "4567", readN(t, f, 4))
		assert.Equal(t, int64(8), tell(t, f), "the kernel's offset is 16")
		assert.Equal(t, "89", readN(t, f, 2))

		abandonRead(t, f, 16)
		assert.Equal(t, "ab", readN(t, f, 2))
		_, err := f.Seek(-100, io.SeekCurrent)
		require.ErrorIs(t, err, syscall.EINVAL)
		assert.Equal(t, "cd", readN(t, f, 2), "a failed Seek dropped the bytes read ahead")
		off, err := f.Seek(-3, io.SeekCurrent)
		require.NoError(t, err)
		assert.Equal(t, int64(11), off)
		assert.Equal(t, "bcdef", readN(t, f, 5))
		return nil
	}))
}

// A Seek waits for a write still on a worker after its wait ended early: the write lands first,
// and its failure is the Seek's, which moves nothing.
func TestSeekAfterAbandonedWrite(t *testing.T) {
	f := seekFile(t)
	path := filepath.Join(t.TempDir(), "ro")
	require.NoError(t, os.WriteFile(path, []byte(seekData), 0o600))
	of, err := os.Open(path)
	require.NoError(t, err)
	ro, err := fileobject.New(of)
	require.NoError(t, err)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		defer ro.Close()
		_, err := f.Seek(0, io.SeekEnd)
		require.NoError(t, err)
		abandon(t, func() error { _, err := f.Write([]byte("tail")); return err })
		off, err := f.Seek(0, io.SeekEnd)
		require.NoError(t, err)
		assert.Equal(t, int64(len(seekData)+4), off)

		// A write to a read-only file fails with EBADF: the Seek reports it.
		abandon(t, func() error { _, err := ro.Write([]byte("no")); return err })
		_, err = ro.Seek(4, io.SeekStart)
		require.ErrorIs(t, err, syscall.EBADF)
		assert.ErrorContains(t, err, "an earlier write whose wait ended early")
		assert.Equal(t, int64(0), tell(t, ro))
		return nil
	}))
}

// A Seek, Truncate or Stat whose wait ended early goes on on its worker: the next Read waits
// for it (a seek drops the bytes read ahead), and the next call fails if it failed.
func TestAbandonedSeekSettledByNextCall(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		abandonRead(t, f, 16)
		assert.Equal(t, "01", readN(t, f, 2))
		abandon(t, func() error { _, err := f.Seek(10, io.SeekStart); return err })
		assert.Equal(t, "ab", readN(t, f, 2), "the Read did not wait for the Seek")

		abandon(t, func() error { _, err := f.Seek(-1, io.SeekStart); return err })
		_, err := f.Read(make([]byte, 2))
		require.ErrorIs(t, err, syscall.EINVAL)
		assert.ErrorContains(t, err, "an earlier seek whose wait ended early")
		assert.Equal(t, "cd", readN(t, f, 2))

		abandon(t, func() error { return f.Truncate(-1) })
		_, err = f.Write([]byte("!"))
		require.ErrorIs(t, err, syscall.EINVAL)
		assert.ErrorContains(t, err, "an earlier truncate whose wait ended early")
		abandon(t, func() error { return f.Truncate(5) })
		fi, err := f.Stat()
		require.NoError(t, err)
		assert.Equal(t, int64(5), fi.Size())
		return nil
	}))
}

// A pipe or tty cannot seek: Seek fails as *os.File's does, with ESPIPE, naming the call, in
// both modes; Truncate fails with EINVAL; Stat works.
func TestSeekPipeRefused(t *testing.T) {
	r, w, err := fileobject.Pipe()
	require.NoError(t, err)
	pr, pw := blockingPipe(t)
	defer pw.Close()
	tr, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	run(t, func() error {
		defer r.Close()
		defer w.Close()
		defer tr.Close()
		for _, f := range []*fileobject.File{r, w, tr} {
			_, err := f.Seek(0, io.SeekCurrent)
			require.ErrorIs(t, err, syscall.ESPIPE, f.Name())
			assert.ErrorContains(t, err, "File.Seek")
			assert.ErrorIs(t, f.Truncate(0), syscall.EINVAL, f.Name())
			fi, err := f.Stat()
			require.NoError(t, err)
			assert.Equal(t, os.ModeNamedPipe, fi.Mode().Type(), f.Name())
		}
		return nil
	})
}

// A pipe or socket forced into thread mode cannot seek either: Seek fails with ESPIPE at once,
// without waiting for the read still on a worker (its wait ended early, nothing came yet), whose
// bytes the next Read still returns.
func TestSeekUnseekableThreadModeFailsAtOnce(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pw.Close()
	sp, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	peer := os.NewFile(uintptr(sp[1]), "peer")
	defer peer.Close()
	pf, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	sf, err := fileobject.NewThread(os.NewFile(uintptr(sp[0]), "socket"))
	require.NoError(t, err)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		for _, c := range []struct {
			f  *fileobject.File
			to *os.File
		}{{pf, pw}, {sf, peer}} {
			abandonRead(t, c.f, 8)
			s := spawnIO(func() (int, error) { off, err := c.f.Seek(0, io.SeekCurrent); return int(off), err })
			require.NoError(t, scheduler.Sleep(bg, 0))
			require.NoError(t, scheduler.Sleep(bg, 0))
			assert.True(t, s.Ready(), "%s: the Seek waited for the pending read", c.f.Name())
			_, err := c.to.Write([]byte("hi"))
			require.NoError(t, err)
			_, err = result(t, s)
			require.ErrorIs(t, err, syscall.ESPIPE, c.f.Name())
			assert.ErrorContains(t, err, "File.Seek")
			assert.Equal(t, "hi", readN(t, c.f, 2), "%s: the read's bytes were lost", c.f.Name())
			require.NoError(t, c.f.Close())
		}
		return nil
	}))
}

// Truncate and Stat of a pipe in thread mode do not wait for a write still on a worker, which
// on a full pipe nobody reads may never return: Truncate fails at once with EINVAL, as
// *os.File's, and Stat answers at once. Before, both waited for the write.
func TestTruncateStatUnseekableThreadModeDoNotWait(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pr.Close()
	f, err := fileobject.NewThread(pw)
	require.NoError(t, err)
	const big = 1 << 20 // past the pipe's buffer: the write stays on the worker until read
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		abandon(t, func() error { _, err := f.Write(make([]byte, big)); return err })
		tr := spawnIO(func() (int, error) { return 0, f.Truncate(0) })
		st := spawnIO(func() (int, error) { fi, err := f.Stat(); return int(fi.Mode() & os.ModeNamedPipe), err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, tr.Ready(), "the Truncate waited for the write")
		assert.True(t, st.Ready(), "the Stat waited for the write")
		_, err := scheduler.RunBlocking(bg, func() (int, error) { return io.ReadFull(pr, make([]byte, big)) })
		require.NoError(t, err, "the abandoned write's bytes")
		_, err = result(t, tr)
		require.ErrorIs(t, err, syscall.EINVAL)
		assert.ErrorContains(t, err, "File.Truncate")
		mode, err := result(t, st)
		require.NoError(t, err)
		assert.NotZero(t, mode, "a pipe")
		return f.Close()
	}))
}

// An eventfd forced into thread mode seeks (lseek answers 0) but has no size either, and a
// write that would overflow its counter blocks until it is read: Truncate and Stat do not wait
// for such a write still on a worker, as for a pipe (Truncate fails at once with EINVAL, Stat
// answers at once). Before, both waited for the write, Truncate with no deadline to end it.
func TestTruncateStatNonRegularSeekableThreadModeDoNotWait(t *testing.T) {
	efd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC, 0) // blocking
	require.Zero(t, e, "eventfd2")
	f, err := fileobject.NewThread(os.NewFile(efd, "eventfd"))
	require.NoError(t, err)
	_, err = syscall.Seek(int(efd), 0, io.SeekCurrent)
	require.NoError(t, err, "an eventfd seeks")
	count := func(n uint64) []byte { return binary.NativeEndian.AppendUint64(nil, n) }
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		_, err := f.Write(count(1<<64 - 2)) // the counter's maximum
		require.NoError(t, err)
		// One more overflows the counter: the write stays on the worker until it is read.
		abandon(t, func() error { _, err := f.Write(count(1)); return err })
		tr := spawnIO(func() (int, error) { return 0, f.Truncate(0) })
		st := spawnIO(func() (int, error) { _, err := f.Stat(); return 0, err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, tr.Ready(), "the Truncate waited for the write")
		assert.True(t, st.Ready(), "the Stat waited for the write")
		_, err = syscall.Read(f.Fd(), make([]byte, 8)) // resets the counter: the write goes in
		require.NoError(t, err)
		_, err = result(t, tr)
		require.ErrorIs(t, err, syscall.EINVAL)
		assert.ErrorContains(t, err, "File.Truncate")
		_, err = result(t, st)
		require.NoError(t, err)
		require.NoError(t, f.SetWriteDeadline(time.Now().Add(5*time.Second)))
		_, err = f.Write(count(1)) // collects the abandoned write first
		require.NoError(t, err)
		return f.Close()
	}))
}

// A thread-mode Seek of an eventfd, which seeks (lseek answers 0) but is no regular file, first
// waits for the read still on a worker, which waits for a count that may never come: before
// SeekContext nothing could end that wait. Its ctx ends it (ErrTimeout, or the cancel), moving
// nothing; once the count came, the next Seek collects the read and runs.
func TestSeekContextBoundsWaitForStuckRead(t *testing.T) {
	efd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC, 0) // blocking
	require.Zero(t, e, "eventfd2")
	f, err := fileobject.NewThread(os.NewFile(efd, "eventfd"))
	require.NoError(t, err)
	count := func(n uint64) []byte { return binary.NativeEndian.AppendUint64(nil, n) }
	require.NoError(t, scheduler.Config{ThreadpoolSize: 2}.Main(func() error {
		defer f.Close()
		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		_, err := f.ReadContext(ctx, make([]byte, 8)) // the counter is 0: the read stays on a worker
		require.ErrorIs(t, err, scheduler.ErrTimeout)

		ctx, cancel = context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		_, err = f.SeekContext(ctx, 0, io.SeekStart)
		require.ErrorIs(t, err, scheduler.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "File.SeekContext")

		done, cancel := context.WithCancel(bg)
		cancel()
		_, err = f.SeekContext(done, 0, io.SeekStart)
		require.ErrorIs(t, err, context.Canceled)

		// The count comes: the read returns on its worker, and the Seek collects it.
		_, err = syscall.Write(f.Fd(), count(7))
		require.NoError(t, err)
		off, err := f.SeekContext(guardCtx(t), 0, io.SeekStart)
		require.NoError(t, err)
		assert.Zero(t, off)
		return nil
	}))
}

// TruncateContext and StatContext of a regular file wait for a write still on a worker (here
// one whose greenlet was killed while it was queued behind a busy worker) within their ctx;
// once the worker is free they collect it and run.
func TestTruncateStatContextBoundWaitForWrite(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		release := holdWorker(t)
		defer release()
		w := spawnIO(func() (int, error) { return f.Write([]byte("!")) })
		waitParked(t, w)
		require.NoError(t, w.Kill(bg, nil))

		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, f.TruncateContext(ctx, 4), scheduler.ErrTimeout)
		_, err := f.StatContext(ctx)
		require.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorContains(t, err, "File.StatContext")

		release()
		require.NoError(t, f.TruncateContext(guardCtx(t), 4))
		fi, err := f.StatContext(guardCtx(t))
		require.NoError(t, err)
		assert.EqualValues(t, 4, fi.Size())
		return nil
	}))
}

// Truncate changes the size Stat reports and leaves the offset; a Read sees the new end.
func TestTruncateThenStat(t *testing.T) {
	f := seekFile(t)
	run(t, func() error {
		defer f.Close()
		_, err := f.Seek(0, io.SeekEnd)
		require.NoError(t, err)
		require.NoError(t, f.Truncate(10))
		fi, err := f.Stat()
		require.NoError(t, err)
		assert.Equal(t, int64(10), fi.Size())
		assert.Equal(t, "data", fi.Name())
		assert.Equal(t, int64(len(seekData)), tell(t, f), "Truncate moved the offset")
		_, err = f.Seek(0, io.SeekStart)
		require.NoError(t, err)
		got, err := io.ReadAll(f)
		require.NoError(t, err)
		assert.Equal(t, seekData[:10], string(got))

		require.NoError(t, f.Truncate(20))
		fi, err = f.Stat()
		require.NoError(t, err)
		assert.Equal(t, int64(20), fi.Size())
		assert.ErrorIs(t, f.Truncate(-1), syscall.EINVAL)
		return nil
	})
}

// Seek, Truncate and Stat from a goroutine that is not a greenlet of the File's hub fail with
// ErrNotGreenlet and do nothing; after Close they fail with ErrClosed, as Read does.
func TestSeekForeignGoroutineAndClosed(t *testing.T) {
	f := seekFile(t)
	run(t, func() error {
		_, err := f.Seek(4, io.SeekStart)
		require.NoError(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err := f.Seek(0, io.SeekStart)
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
			assert.ErrorContains(t, err, "File.Seek")
			assert.ErrorIs(t, f.Truncate(0), scheduler.ErrNotGreenlet)
			_, err = f.Stat()
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
		}()
		_, err = scheduler.RunBlocking(bg, func() (struct{}, error) { <-done; return struct{}{}, nil })
		require.NoError(t, err)
		assert.Equal(t, int64(4), tell(t, f))
		fi, err := f.Stat()
		require.NoError(t, err)
		assert.Equal(t, int64(len(seekData)), fi.Size())

		require.NoError(t, f.Close())
		_, rerr := f.Read(make([]byte, 1))
		_, err = f.Seek(0, io.SeekStart)
		assert.ErrorIs(t, err, os.ErrClosed)
		assert.ErrorIs(t, rerr, os.ErrClosed)
		assert.ErrorIs(t, f.Truncate(0), os.ErrClosed)
		_, err = f.Stat()
		assert.ErrorIs(t, err, os.ErrClosed)
		return nil
	})
}

// Seek while another greenlet waits in a thread-mode Read would run beside that read: it fails
// with ErrConcurrentUse instead, and the read goes on. On a pipe, which cannot seek, it fails
// with ESPIPE, as it would after the read.
func TestSeekDuringThreadReadIsConcurrentUse(t *testing.T) {
	f := seekFile(t)
	pr, pw := blockingPipe(t)
	defer pw.Close()
	p, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		defer p.Close()
		release := holdWorker(t)
		defer release()
		g := spawnIO(func() (int, error) { return f.Read(make([]byte, 8)) })
		waitParked(t, g)
		_, err := f.Seek(0, io.SeekCurrent)
		assert.ErrorIs(t, err, scheduler.ErrConcurrentUse)
		release()
		n, err := result(t, g)
		require.NoError(t, err)
		assert.Equal(t, 8, n)

		g = spawnIO(func() (int, error) { return p.Read(make([]byte, 8)) })
		waitParked(t, g)
		_, err = p.Seek(0, io.SeekCurrent)
		assert.ErrorIs(t, err, syscall.ESPIPE)
		_, err = pw.Write([]byte("hi"))
		require.NoError(t, err)
		n, err = result(t, g)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		return nil
	}))
}

// http.ServeContent takes a File as its io.ReadSeeker and serves a Range request from it; it
// blocks only in the File's Read and Seek, which park the greenlet.
func TestServeContentRange(t *testing.T) {
	f := seekFile(t)
	run(t, func() error {
		defer f.Close()
		req := httptest.NewRequest(http.MethodGet, "/data.txt", nil)
		req.Header.Set("Range", "bytes=4-9")
		rec := httptest.NewRecorder()
		http.ServeContent(rec, req, "data.txt", time.Unix(1e9, 0), f)
		assert.Equal(t, http.StatusPartialContent, rec.Code)
		assert.Equal(t, "bytes 4-9/16", rec.Header().Get("Content-Range"))
		assert.Equal(t, seekData[4:10], rec.Body.String())

		rec = httptest.NewRecorder()
		http.ServeContent(rec, httptest.NewRequest(http.MethodGet, "/data.txt", nil), "data.txt", time.Time{}, f)
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, seekData, rec.Body.String())
		return nil
	})
}

// Close wakes a greenlet waiting in a thread-mode Seek with ErrClosed, as it wakes a reader.
func TestCloseUnderSeek(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		release, started := make(chan struct{}), make(chan struct{})
		defer close(release)
		threadpool.Spawn(threadpool.Default(), func() (int, error) { close(started); <-release; return 0, nil })
		_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { <-started; return struct{}{}, nil })
		require.NoError(t, err)
		g := spawnIO(func() (int, error) { off, err := f.Seek(4, io.SeekStart); return int(off), err })
		waitParked(t, g)
		require.NoError(t, f.Close())
		_, err = result(t, g)
		assert.ErrorIs(t, err, os.ErrClosed)
		assert.ErrorContains(t, err, "File.Seek")
		return nil
	}))
}

// holdWorker makes the only worker of the hub's pool busy until the returned func is called.
func holdWorker(t *testing.T) (release func()) {
	t.Helper()
	ch, started := make(chan struct{}), make(chan struct{})
	threadpool.Spawn(threadpool.Default(), func() (int, error) { close(started); <-ch; return 0, nil })
	_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { <-started; return struct{}{}, nil })
	require.NoError(t, err)
	return sync.OnceFunc(func() { close(ch) })
}

// guardCtx is a context canceled after long, so that a wait the test expects to end otherwise
// cannot hang the test: it ends with context.Canceled, which the test tells from a timeout.
func guardCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(bg)
	stop := time.AfterFunc(10*time.Second, cancel)
	t.Cleanup(func() { stop.Stop(); cancel() })
	return ctx
}

// A Read or Write that must first wait for a Seek, Truncate or Stat whose wait ended early keeps
// its deadline: one that passed already fails at once with ErrTimeout, one that passes during
// the wait ends it, and a deadline set during the wait reaches it; the control call stays
// pending, and the next call collects it.
func TestDeadlineBoundsWaitForAbandonedControlCall(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		release := holdWorker(t)
		defer release()
		g := scheduler.Go(func() error { _, err := f.Seek(10, io.SeekStart); return err })
		waitParked(t, g)
		require.NoError(t, g.Kill(bg, nil))

		require.NoError(t, f.SetDeadline(time.Now().Add(-time.Second)))
		r := spawnIO(func() (int, error) { return f.Read(make([]byte, 2)) })
		w := spawnIO(func() (int, error) { return f.Write([]byte("!")) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.True(t, r.Ready(), "a Read past its deadline waited for the seek")
		require.True(t, w.Ready(), "a Write past its deadline waited for the seek")
		for _, g := range []*scheduler.Greenlet[ioResult]{r, w} {
			_, err := result(t, g)
			require.ErrorIs(t, err, fileobject.ErrTimeout)
		}

		ctx := guardCtx(t)
		require.NoError(t, f.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
		_, err := f.ReadContext(ctx, make([]byte, 2))
		require.ErrorIs(t, err, fileobject.ErrTimeout)
		assert.ErrorContains(t, err, "File.ReadContext")

		require.NoError(t, f.SetWriteDeadline(time.Time{}))
		w = spawnIO(func() (int, error) { return f.WriteContext(ctx, []byte("!")) })
		waitParked(t, w)
		require.NoError(t, f.SetWriteDeadline(time.Now().Add(20*time.Millisecond)))
		_, err = result(t, w)
		require.ErrorIs(t, err, fileobject.ErrTimeout)

		release()
		require.NoError(t, f.SetDeadline(time.Time{}))
		assert.Equal(t, "ab", readN(t, f, 2), "the Seek was lost")
		return nil
	}))
}

// A Read and a Write that come while another greenlet waits in a thread-mode Seek, Truncate or
// Stat wait for it, as for one whose wait ended early, instead of failing with
// ErrConcurrentUse: the calls of the File still never run beside it, and a reader and a writer
// may wait at once as in poll mode. The Read after a Seek reads where it put the offset.
func TestReadWriteWaitForControlCallInProgress(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		release := holdWorker(t)
		defer release()
		s := spawnIO(func() (int, error) { off, err := f.Seek(10, io.SeekStart); return int(off), err })
		waitParked(t, s)
		b := make([]byte, 2)
		r := spawnIO(func() (int, error) { return f.Read(b) })
		waitParked(t, r)
		st := scheduler.Spawn(func() (os.FileInfo, error) { return f.Stat() })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.True(t, st.Ready(), "a second control call waits for the Seek")
		_, err := st.Get(bg)
		require.ErrorIs(t, err, scheduler.ErrConcurrentUse)
		w := spawnIO(func() (int, error) { return f.WriteContext(guardCtx(t), []byte("!")) })
		waitParked(t, w)
		release()
		off, err := result(t, s)
		require.NoError(t, err)
		assert.Equal(t, 10, off)
		n, err := result(t, r)
		require.NoError(t, err)
		n2, err := result(t, w)
		require.NoError(t, err)
		assert.Equal(t, 1, n2)
		require.Equal(t, 2, n)
		assert.Contains(t, []string{"ab", "bc"}, string(b[:n]), "the Read ran before the Seek")
		return nil
	}))
}

// A Read waiting for a control call whose greenlet goes on with another one at once runs before
// that one starts: a greenlet calling Stat back to back (or Seek, or Truncate) no longer keeps a
// Read parked for as long as it goes on. Before, the Read waited for all twenty Stats.
func TestBackToBackControlCallsDoNotStarveRead(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		release := holdWorker(t)
		defer release()
		const calls = 20
		stats := 0
		s := spawnIO(func() (int, error) {
			for range calls {
				if _, err := f.Stat(); err != nil {
					return stats, err
				}
				stats++
			}
			return stats, nil
		})
		waitParked(t, s)
		atRead := -1
		b := make([]byte, 2)
		r := spawnIO(func() (int, error) {
			n, err := f.Read(b)
			atRead = stats
			return n, err
		})
		waitParked(t, r)
		release()
		n, err := result(t, s)
		require.NoError(t, err)
		require.Equal(t, calls, n)
		n, err = result(t, r)
		require.NoError(t, err)
		assert.Equal(t, "01", string(b[:n]))
		assert.Less(t, atRead, 3, "the Read waited for %d Stats", atRead)
		return nil
	}))
}

// A Write on a regular file after bytes read ahead (an abandoned read's, collected by a smaller
// Read) lands where Read stopped, as with a buffered file (gevent's FileObjectThread): the
// offset goes back by the bytes read ahead, which are dropped, before the write.
func TestWriteAfterReadAheadLandsAtReadOffset(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		defer f.Close()
		abandonRead(t, f, 8)
		assert.Equal(t, "01", readN(t, f, 2))
		_, err := f.Write([]byte("W"))
		require.NoError(t, err)
		assert.Equal(t, int64(3), tell(t, f))
		assert.Equal(t, "34", readN(t, f, 2))
		_, err = f.Seek(0, io.SeekStart)
		require.NoError(t, err)
		got, err := io.ReadAll(f)
		require.NoError(t, err)
		assert.Equal(t, "01W"+seekData[3:], string(got))
		return nil
	}))
}

// Close wakes a Read waiting for a Seek in progress with ErrClosed, as it wakes the Seek.
func TestCloseUnderReadWaitingForSeek(t *testing.T) {
	f := seekFile(t)
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		release := holdWorker(t)
		defer release()
		s := spawnIO(func() (int, error) { off, err := f.Seek(4, io.SeekStart); return int(off), err })
		waitParked(t, s)
		r := spawnIO(func() (int, error) { return f.Read(make([]byte, 2)) })
		waitParked(t, r)
		require.NoError(t, f.Close())
		for _, g := range []*scheduler.Greenlet[ioResult]{s, r} {
			_, err := result(t, g)
			assert.ErrorIs(t, err, os.ErrClosed)
		}
		_, err := result(t, r)
		assert.ErrorContains(t, err, "File.Read")
		return nil
	}))
}
