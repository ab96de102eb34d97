package fileobject

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// countedPipe returns a Pipe, closed when the test ends, whose read end counts its read system
// calls and those that failed with EAGAIN.
func countedPipe(t *testing.T) (r, w *File, calls, eagain *int) {
	r, w, err := Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close(); _ = w.Close() })
	calls, eagain = new(int), new(int)
	sc := r.r.sc
	r.r.sc = func(fd int, b []byte) (int, error) {
		n, err := sc(fd, b)
		*calls++
		if err == syscall.EAGAIN {
			*eagain++
		}
		return n, err
	}
	return r, w, calls, eagain
}

// readAfterWait makes r's Read wait (its watcher is made and left active), then writes "ab" to w
// from the hub's goroutine and checks the Read got it into b and took the pipe for emptied.
func readAfterWait(t *testing.T, ctx context.Context, r, w *File, b []byte) {
	t.Helper()
	reading := scheduler.Spawn(func() (string, error) {
		n, err := r.ReadContext(ctx, b)
		return string(b[:n]), err
	})
	require.NoError(t, scheduler.Sleep(ctx, 0))
	_, err := syscall.Write(w.Fd(), []byte("ab"))
	require.NoError(t, err)
	got, err := reading.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, "ab", got)
	require.True(t, r.r.drained)
}

// A Read of a pipe that the last Read emptied (it returned less than asked) waits for the fd
// before its read(2) while the watcher left active has not fired: the read that would fail with
// EAGAIN is saved. Before, each such Read made one (two EAGAINs here, one now).
func TestReadOfDrainedPipeWaitsFirst(t *testing.T) {
	r, w, calls, eagain := countedPipe(t)
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 5*time.Second)
		b := make([]byte, 64)
		writer := scheduler.Go(func() error {
			_, err := w.Write([]byte("ab"))
			return err
		})
		n, err := r.ReadContext(ctx, b) // EAGAIN, waits, then reads what the writer wrote
		require.NoError(t, err)
		require.Equal(t, "ab", string(b[:n]))
		require.NoError(t, writer.Join(ctx))
		require.Equal(t, 1, *eagain)

		writer = scheduler.Go(func() error {
			_, err := w.Write([]byte("c"))
			return err
		})
		n, err = r.ReadContext(ctx, b) // emptied: waits first, then reads
		require.NoError(t, err)
		assert.Equal(t, "c", string(b[:n]))
		require.NoError(t, writer.Join(ctx))
		assert.Equal(t, 1, *eagain, "the Read of the emptied pipe tried read(2) before waiting")
		assert.Equal(t, 3, *calls)
		return nil
	}))
}

// What arrives in an emptied pipe while the hub does not poll (written here by another
// goroutine, before the Read) is still read: the level-triggered watcher fires in the next loop
// iteration. And a full read leaves nothing to guess: the next Read tries read(2) first.
func TestReadOfDrainedPipeSeesDataWrittenMeanwhile(t *testing.T) {
	r, w, calls, eagain := countedPipe(t)
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 5*time.Second)
		b := make([]byte, 64)
		readAfterWait(t, ctx, r, w, b)

		done := make(chan error)
		go func() { _, err := syscall.Write(w.Fd(), []byte("cd")); done <- err }()
		require.NoError(t, <-done)
		n, err := r.ReadContext(ctx, b)
		require.NoError(t, err)
		assert.Equal(t, "cd", string(b[:n]))

		_, err = syscall.Write(w.Fd(), []byte("ef"))
		require.NoError(t, err)
		n, err = r.ReadContext(ctx, b[:2]) // full: not emptied, as far as the File knows
		require.NoError(t, err)
		assert.Equal(t, "ef", string(b[:n]))
		assert.False(t, r.r.drained)
		before := *calls
		_, err = syscall.Write(w.Fd(), []byte("g"))
		require.NoError(t, err)
		n, err = r.ReadContext(ctx, b)
		require.NoError(t, err)
		assert.Equal(t, "g", string(b[:n]))
		assert.Equal(t, before+1, *calls, "read(2) at once")
		assert.Equal(t, 1, *eagain)
		return nil
	}))
}

// A ReadContext whose ctx has already ended still reads what a drained pipe holds, as the
// package doc promises of a poll-mode call that needs no wait: the drained guess must not turn
// it into a wait that fails at once. Before, it failed with context.Canceled, the "cd" unread.
func TestReadOfDrainedPipeWithEndedContextReads(t *testing.T) {
	r, w, _, eagain := countedPipe(t)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 5*time.Second)
		b := make([]byte, 64)
		readAfterWait(t, ctx, r, w, b)
		require.True(t, r.r.io.IsActive())

		_, err := syscall.Write(w.Fd(), []byte("cd"))
		require.NoError(t, err)
		n, err := r.ReadContext(done, b)
		require.NoError(t, err)
		assert.Equal(t, "cd", string(b[:n]))

		// Nothing there: the ended ctx ends the wait the read's EAGAIN starts.
		_, err = r.ReadContext(done, b)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 2, *eagain)
		return nil
	}))
}
