package fileobject

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// The tests here reach inside the File to hold off the greenlet of a thread-mode control call
// (Seek, Truncate, Stat) after its call returned: a greenlet that waits on the File's control
// side as a Seek does, but for another call, which the test releases. That is the moment when
// the Seek was woken and has not run again yet, made as long as the test needs (a greenlet
// killed exactly then, or kept from running, never collects its call).

// heldSeek starts a seek to 4 as the pending control call of f (thread mode, bound to hub h),
// waits until it returned, and spawns the collector: a greenlet waiting on f's control side
// until release is called, as a Seek woken by its call and not run again yet. It returns the
// collector, the error its wait returned (valid once it is dead) and release.
func heldSeek(t *testing.T, f *File, h *scheduler.Hub) (*scheduler.Greenlet[struct{}], *error, func()) {
	t.Helper()
	hold := make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	t.Cleanup(release)
	other := threadpool.Spawn(threadpool.Default(), func() (result, error) { <-hold; return result{}, nil })
	file := f.f
	f.c.spawn(h, func() result {
		off, err := file.Seek(4, io.SeekStart)
		return result{off: off, err: err}
	})
	f.ctlCall = "seek"
	_, err := f.c.pend.Get(testctx.Within(t, 5*time.Second))
	require.NoError(t, err)
	cerr := new(error)
	collector := scheduler.Go(func() error { *cerr = f.c.waitResult(context.Background(), h, other); return nil })
	require.NoError(t, scheduler.Sleep(context.Background(), 0))
	require.True(t, f.c.busy, "the collector does not wait on the control side")
	return collector, cerr, release
}

// threadFile returns a File in thread mode over a new regular file holding data.
func threadFile(t *testing.T, data string) *File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
	of, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	f, err := New(of)
	require.NoError(t, err)
	require.True(t, f.Threaded())
	return f
}

// spawnRead reads up to n bytes from f in a new greenlet.
func spawnRead(f *File, n int) *scheduler.Greenlet[string] {
	return scheduler.Spawn(func() (string, error) {
		b := make([]byte, n)
		n, err := f.Read(b)
		return string(b[:n]), err
	})
}

// A Read that comes while the greenlet of a control call whose call returned has not collected
// it yet is parked until that greenlet's wait ended, not yielding in a loop: while the
// collector is held off, the hub switches only for the test's own turns. Once the collector's
// wait ends (here without collecting the seek), the Read collects the seek itself and reads
// where it put the offset.
func TestReadWaitingForHeldCollectorIsParked(t *testing.T) {
	f := threadFile(t, "0123456789abcdef")
	require.NoError(t, scheduler.Config{ThreadpoolSize: 2}.Main(func() error {
		defer f.Close()
		h := scheduler.CurrentHub()
		_, err := f.Stat() // binds f to h
		require.NoError(t, err)
		collector, cerr, release := heldSeek(t, f, h)
		reader := spawnRead(f, 2)
		require.NoError(t, scheduler.Sleep(context.Background(), 0))
		require.False(t, reader.Ready(), "the Read did not wait for the seek")

		const turns = 100
		before := h.Stats().Switches
		for range turns {
			require.NoError(t, scheduler.Sleep(context.Background(), 0))
		}
		switches := h.Stats().Switches - before
		assert.LessOrEqual(t, switches, uint64(turns+2),
			"%d switches into the hub for the test's %d turns: the waiting Read spins", switches, turns)
		require.False(t, reader.Ready(), "the Read did not wait for the held collector")

		release()
		got, err := reader.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "45", got, "the Read did not collect the seek")
		_, err = collector.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.NoError(t, *cerr)
		assert.Nil(t, f.c.pend)
		return nil
	}))
}

// A Read and a Write waiting for a held-off collector that is killed meanwhile are woken by the
// end of its wait: the first collects the seek (which the killed greenlet gave up on), and both
// complete, the Read where the seek put the offset. Nothing hangs, and nothing spins.
func TestReadWriteWaitingForKilledCollector(t *testing.T) {
	f := threadFile(t, "0123456789abcdef")
	require.NoError(t, scheduler.Config{ThreadpoolSize: 2}.Main(func() error {
		defer f.Close()
		h := scheduler.CurrentHub()
		_, err := f.Stat()
		require.NoError(t, err)
		collector, cerr, release := heldSeek(t, f, h)
		reader := spawnRead(f, 2)
		writer := scheduler.Spawn(func() (int, error) { return f.Write([]byte("W")) })
		require.NoError(t, scheduler.Sleep(context.Background(), 0))
		require.False(t, reader.Ready(), "the Read did not wait for the seek")
		require.False(t, writer.Ready(), "the Write did not wait for the seek")

		require.NoError(t, collector.Kill(testctx.Within(t, 5*time.Second), nil))
		assert.ErrorIs(t, *cerr, scheduler.ErrGreenletExit)
		got, err := reader.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		n, err := writer.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Nil(t, f.c.pend)
		// The Read and the Write ran one after the other from offset 4, in either order.
		assert.Contains(t, []string{"45", "56"}, got)
		release()
		return nil
	}))
}

// A Read and a Write parked for a held-off collector end on their own terms: the Read at its
// deadline, the Write when its ctx is cancelled, a second Read when it is killed, each leaving
// its side free; the collector, released, and the next Read then go on as if nothing happened
// (the Read collects the seek and reads where it put the offset).
func TestReadWriteWaitingForHeldCollectorEndOnTheirOwn(t *testing.T) {
	f := threadFile(t, "0123456789abcdef")
	require.NoError(t, scheduler.Config{ThreadpoolSize: 2}.Main(func() error {
		defer f.Close()
		h := scheduler.CurrentHub()
		_, err := f.Stat()
		require.NoError(t, err)
		collector, cerr, release := heldSeek(t, f, h)
		require.NoError(t, f.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
		reader := scheduler.Spawn(func() (error, error) { _, err := f.Read(make([]byte, 2)); return err, nil })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		writer := scheduler.Spawn(func() (error, error) { _, err := f.WriteContext(ctx, []byte("W")); return err, nil })
		require.NoError(t, scheduler.Sleep(context.Background(), 0))
		require.True(t, f.r.ctlWait && f.w.ctlWait, "the Read and Write do not wait for the collector")

		rerr, err := reader.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.ErrorIs(t, rerr, ErrTimeout)
		assert.False(t, f.r.ctlWait || f.r.busy, "the read side is left taken")
		cancel()
		werr, err := writer.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.ErrorIs(t, werr, context.Canceled)
		assert.False(t, f.w.ctlWait || f.w.busy, "the write side is left taken")

		require.NoError(t, f.SetReadDeadline(time.Time{}))
		killed := spawnRead(f, 2)
		require.NoError(t, scheduler.Sleep(context.Background(), 0))
		require.True(t, f.r.ctlWait, "the Read does not wait for the collector")
		require.NoError(t, killed.Kill(testctx.Within(t, 5*time.Second), nil))
		assert.False(t, f.r.ctlWait || f.r.busy, "the read side is left taken")

		release()
		_, err = collector.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.NoError(t, *cerr)
		got, err := spawnRead(f, 2).Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "45", got, "the Read did not collect the seek")
		return nil
	}))
}

// A hub that ends with a held-off collector and a Read parked for it unwinds both, leaving the
// control side free: the next hub's Read collects the seek (its call returned meanwhile) and
// reads where it put the offset.
func TestHubEndUnderReadWaitingForCollector(t *testing.T) {
	f := threadFile(t, "0123456789abcdef")
	defer f.Close()
	var release func()
	require.NoError(t, scheduler.Config{ThreadpoolSize: 2}.Main(func() error {
		_, err := f.Stat()
		require.NoError(t, err)
		_, _, release = heldSeek(t, f, scheduler.CurrentHub())
		spawnRead(f, 2)
		require.NoError(t, scheduler.Sleep(context.Background(), 0))
		require.True(t, f.r.ctlWait, "the Read does not wait for the collector")
		return nil
	}))
	release()
	assert.False(t, f.c.busy || f.r.busy || f.r.ctlWait, "a side is left taken by the ended hub")
	require.NoError(t, scheduler.Config{ThreadpoolSize: 2}.Main(func() error {
		b := make([]byte, 2)
		n, err := f.ReadContext(testctx.Within(t, 5*time.Second), b)
		require.NoError(t, err)
		assert.Equal(t, "45", string(b[:n]), "the Read did not collect the seek")
		return nil
	}))
}
