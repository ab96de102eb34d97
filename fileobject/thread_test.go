package fileobject_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// New sends a regular file, which epoll refuses, to the thread pool by itself.
func TestRegularFileGoesToThreadPool(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	msg := bytes.Repeat([]byte("regular file "), 100000)
	run(t, func() error {
		wf, err := os.Create(path)
		require.NoError(t, err)
		w, err := fileobject.New(wf)
		require.NoError(t, err)
		assert.True(t, w.Threaded())
		n, err := w.Write(msg)
		require.NoError(t, err)
		assert.Equal(t, len(msg), n)
		require.NoError(t, w.Close())

		rf, err := os.Open(path)
		require.NoError(t, err)
		r, err := fileobject.New(rf)
		require.NoError(t, err)
		defer r.Close()
		assert.True(t, r.Threaded())
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(msg, got), "read %d bytes", len(got))
		return nil
	})
}

// /dev/null has no poll method: thread mode too.
func TestDevNullGoesToThreadPool(t *testing.T) {
	f, err := os.Open(os.DevNull)
	require.NoError(t, err)
	nf, err := fileobject.New(f)
	require.NoError(t, err)
	assert.True(t, nf.Threaded())
	run(t, func() error {
		defer nf.Close()
		n, err := nf.Read(make([]byte, 8))
		assert.Equal(t, 0, n)
		assert.Equal(t, io.EOF, err)
		return nil
	})
}

// A thread-mode read whose wait ends early (here its ctx) keeps running on its worker; the next
// Read returns what it read, so no byte is lost.
func TestThreadReadAbandonedKeepsItsBytes(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pw.Close()
	f, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	run(t, func() error {
		defer f.Close()
		_, err := f.ReadContext(testctx.Within(t, 10*ms), make([]byte, 16))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		_, err = pw.Write([]byte("kept bytes"))
		require.NoError(t, err)
		// A smaller buffer than the pending read's: the rest comes with the next Read.
		b := make([]byte, 4)
		n, err := f.Read(b)
		require.NoError(t, err)
		assert.Equal(t, "kept", string(b[:n]))
		rest := make([]byte, 16)
		n, err = f.Read(rest)
		require.NoError(t, err)
		assert.Equal(t, " bytes", string(rest[:n]))
		return nil
	})
}

func TestThreadReadDeadlineAndClose(t *testing.T) {
	pr, pw := blockingPipe(t)
	f, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	run(t, func() error {
		require.NoError(t, f.SetReadDeadline(time.Now().Add(10*ms)))
		_, err := f.Read(make([]byte, 1))
		assertTimeout(t, err)
		require.NoError(t, f.SetReadDeadline(time.Time{}))
		reader := spawnIO(func() (int, error) { return f.Read(make([]byte, 1)) })
		require.NoError(t, scheduler.Sleep(bg, ms))
		require.NoError(t, f.Close())
		_, err = result(t, reader)
		assertClosed(t, err)
		// The worker is still in read(2): close(2) waits for it (os.File's reference count).
		// The write end's close ends the read.
		return pw.Close()
	})
}

// A write to a full blocking pipe in thread mode waits on its worker; Close wakes the writer.
func TestThreadWriteCloseUnderWaiter(t *testing.T) {
	pr, pw := blockingPipe(t)
	f, err := fileobject.NewThread(pw)
	require.NoError(t, err)
	run(t, func() error {
		writer := spawnIO(func() (int, error) { return f.Write(make([]byte, 1<<20)) })
		require.NoError(t, scheduler.Sleep(bg, ms))
		require.NoError(t, f.Close())
		_, err := result(t, writer)
		assertClosed(t, err)
		// Closing the read end fails the worker's write with EPIPE and lets it return.
		return pr.Close()
	})
}

// A thread-mode write whose wait ends early still goes out; the next Write waits for it first.
func TestThreadWriteAbandonedStillWrites(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pr.Close()
	f, err := fileobject.NewThread(pw)
	require.NoError(t, err)
	run(t, func() error {
		defer f.Close()
		big := bytes.Repeat([]byte("b"), 1<<18) // more than the pipe holds
		_, err := f.WriteContext(testctx.Within(t, 10*ms), big)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		drained := make(chan int, 1)
		go func() {
			n, _ := io.ReadFull(pr, make([]byte, len(big)+5))
			drained <- n
		}()
		n, err := f.Write([]byte("after"))
		require.NoError(t, err)
		assert.Equal(t, 5, n)
		got, err := scheduler.RunBlocking(testctx.Within(t, 5*time.Second), func() (int, error) {
			return <-drained, nil
		})
		require.NoError(t, err)
		assert.Equal(t, len(big)+5, got)
		return nil
	})
}

// spinWhileRefused calls op until it is not refused with ErrConcurrentUse, yielding between
// tries, and returns its outcome.
func spinWhileRefused(op func() (int, error)) (int, error) {
	for {
		n, err := op()
		if !errors.Is(err, scheduler.ErrConcurrentUse) {
			return n, err
		}
		if err := scheduler.Sleep(bg, 0); err != nil {
			return 0, err
		}
	}
}

// A second reader of a thread-mode File is refused while the first waits, also in the moment
// after the worker's result reached the hub and before the first reader resumed: the second
// took that result, and both readers returned the same bytes.
func TestThreadSecondReaderGetsNoCopy(t *testing.T) {
	pr, pw := blockingPipe(t)
	f, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	run(t, func() error {
		defer f.Close()
		first := spawnIO(func() (int, error) { return f.Read(make([]byte, 16)) })
		require.NoError(t, scheduler.Sleep(bg, 0)) // first's read is on its worker
		var got []byte
		second := spawnIO(func() (int, error) {
			b := make([]byte, 16)
			n, err := spinWhileRefused(func() (int, error) { return f.Read(b) })
			got = append(got, b[:n]...)
			return n, err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		go func() { _, _ = pw.Write([]byte("once")) }()
		n1, err1 := result(t, first)
		require.NoError(t, pw.Close()) // the second reader ends with EOF
		_, err2 := result(t, second)
		assert.NoError(t, err1)
		assert.Equal(t, 4, n1)
		assert.ErrorIs(t, err2, io.EOF, "the second reader got %q", got)
		return nil
	})
}

// A refused second Write of a thread-mode File writes nothing: it started its own write before
// being refused, so its bytes went out although it reported an error.
func TestThreadRefusedWriteWritesNothing(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pr.Close()
	f, err := fileobject.NewThread(pw)
	require.NoError(t, err)
	drained := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(pr); drained <- b }()
	run(t, func() error {
		first := spawnIO(func() (int, error) { return f.Write(make([]byte, 1<<17)) }) // more than a pipe holds
		require.NoError(t, scheduler.Sleep(bg, 0))
		second := spawnIO(func() (int, error) {
			return spinWhileRefused(func() (int, error) { return f.Write([]byte("X")) })
		})
		n1, err := result(t, first)
		require.NoError(t, err)
		n2, err := result(t, second)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		out, err := scheduler.RunBlocking(bg, func() ([]byte, error) { return <-drained, nil })
		require.NoError(t, err)
		assert.Equal(t, n1+n2, len(out), "bytes read != bytes the Writes reported")
		assert.Equal(t, 1, bytes.Count(out, []byte("X")))
		return nil
	})
}

// A thread-mode WriteContext or ReadContext whose ctx has already ended returns its error and
// starts nothing: before, the write went to a worker anyway, so bytes the caller was told were
// not written reached the file, and the read took input from the file for a later call.
func TestThreadCallWithEndedContextStartsNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(path, []byte("abc"), 0o600))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	run(t, func() error {
		of, err := os.OpenFile(path, os.O_RDWR, 0)
		require.NoError(t, err)
		f, err := fileobject.NewThread(of)
		require.NoError(t, err)
		defer f.Close()
		n, err := f.ReadContext(done, make([]byte, 1))
		assert.Zero(t, n)
		require.ErrorIs(t, err, context.Canceled)
		n, err = f.WriteContext(done, []byte("lost"))
		assert.Zero(t, n)
		require.ErrorIs(t, err, context.Canceled)
		// Nothing read moved the offset: the write lands at the start.
		n, err = f.Write([]byte("X"))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		return nil
	})
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "Xbc", string(got))
}
