package fileobject_test

import (
	"bytes"
	"context"
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
