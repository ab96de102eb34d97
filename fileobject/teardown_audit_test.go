package fileobject_test

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// openFDs counts the descriptors of the process.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// closeSoon closes f from a plain goroutine and fails the test if Close does not return within
// 10s.
func closeSoon(t *testing.T, f *fileobject.File) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung")
	}
}

// waitParked yields until g is parked in its wait: the loop has watchers (poll mode) or the
// greenlet has started and switched away.
func waitParked[T any](t *testing.T, g *scheduler.Greenlet[T]) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !g.Started() {
		require.True(t, time.Now().Before(deadline), "the greenlet never started")
		require.NoError(t, scheduler.Sleep(bg, 0))
	}
	require.NoError(t, scheduler.Sleep(bg, 0))
	require.False(t, g.Ready(), "the call did not block")
}

// TestTeardownPollWaitersThenNextHub: greenlets blocked in a poll-mode Read (a pipe nobody writes)
// and Write (a full pipe nobody reads) when Main's fn returns or Destroy runs get GreenletExit at
// their wait; the loop's watchers go with it, and the same Files work on the next hub of the
// goroutine (their watchers are made there again), then close from a goroutine at once with no
// descriptor left behind.
func TestTeardownPollWaitersThenNextHub(t *testing.T) {
	for _, how := range []string{"Main returns", "Destroy"} {
		t.Run(how, func(t *testing.T) {
			base := openFDs(t)
			r1, w1, err := fileobject.Pipe()
			require.NoError(t, err)
			r2, w2, err := fileobject.Pipe()
			require.NoError(t, err)
			var rerr, werr error
			wrote := -1
			body := func() error {
				gr := scheduler.Go(func() error { _, rerr = r1.Read(make([]byte, 8)); return nil })
				gw := scheduler.Go(func() error { wrote, werr = w2.Write(make([]byte, 4<<20)); return nil })
				waitParked(t, gr)
				waitParked(t, gw)
				assert.Positive(t, scheduler.CurrentHub().Loop().WatcherCount(), "the waits have io watchers")
				return nil
			}
			if how == "Main returns" {
				run(t, body)
			} else {
				h, err := scheduler.NewHub()
				require.NoError(t, err)
				require.NoError(t, body())
				require.NoError(t, h.Destroy())
			}
			assert.ErrorIs(t, rerr, scheduler.ErrGreenletExit)
			assert.ErrorIs(t, werr, scheduler.ErrGreenletExit)
			assert.Positive(t, wrote, "the write reports what went out before its wait")
			var fe *fileobject.Error
			assert.ErrorAs(t, rerr, &fe)

			// The next hub on this goroutine: both Files work.
			run(t, func() error {
				g := spawnIO(func() (int, error) { return r2.Read(make([]byte, 1<<20)) })
				n, err := w1.Write([]byte("next"))
				require.NoError(t, err)
				assert.Equal(t, 4, n)
				buf := make([]byte, 8)
				n, err = r1.ReadContext(testctx.Within(t, 5*time.Second), buf)
				require.NoError(t, err)
				assert.Equal(t, "next", string(buf[:n]))
				n, err = result(t, g)
				require.NoError(t, err)
				assert.Positive(t, n)
				return nil
			})
			for _, f := range []*fileobject.File{r1, w1, r2, w2} {
				closeSoon(t, f)
			}
			assert.Equal(t, base, openFDs(t), "descriptors left open")
		})
	}
}

// TestTeardownThreadReadThenNextHub: a greenlet blocked in a thread-mode Read when its hub ends
// gets GreenletExit; the read(2) on the worker goes on (it cannot be stopped), and the bytes it
// reads are not lost: the next hub's Read returns them, as after any wait that ended early.
func TestTeardownThreadReadThenNextHub(t *testing.T) {
	pr, pw := blockingPipe(t)
	f, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	var rerr error
	run(t, func() error {
		g := scheduler.Go(func() error { _, rerr = f.Read(make([]byte, 16)); return nil })
		waitParked(t, g)
		return nil
	})
	assert.ErrorIs(t, rerr, scheduler.ErrGreenletExit)
	_, err = pw.Write([]byte("kept"))
	require.NoError(t, err)
	run(t, func() error {
		buf := make([]byte, 16)
		n, err := f.ReadContext(testctx.Within(t, 5*time.Second), buf)
		require.NoError(t, err)
		assert.Equal(t, "kept", string(buf[:n]))
		return nil
	})
	closeSoon(t, f)
	require.NoError(t, pw.Close())
}

// TestTeardownThreadWriteThenNextHub: a thread-mode Write whose hub ended while its worker was
// blocked in write(2) (a full pipe) does not stop the next hub's Write: that one waits for the
// earlier call first, as after any wait that ended early, and then writes.
func TestTeardownThreadWriteThenNextHub(t *testing.T) {
	pr, pw := blockingPipe(t)
	f, err := fileobject.NewThread(pw)
	require.NoError(t, err)
	const big = 1 << 20
	var werr error
	run(t, func() error {
		g := scheduler.Go(func() error { _, werr = f.Write(make([]byte, big)); return nil })
		waitParked(t, g)
		// The call is on a worker once the pipe holds some of it.
		deadline := time.Now().Add(10 * time.Second)
		for pipeBytes(t, pr) == 0 {
			require.True(t, time.Now().Before(deadline), "the write never started")
			require.NoError(t, scheduler.Sleep(bg, ms))
		}
		return nil
	})
	assert.ErrorIs(t, werr, scheduler.ErrGreenletExit)
	drained := make(chan int64, 1)
	go func() {
		var total int64
		buf := make([]byte, 64<<10)
		for {
			n, err := pr.Read(buf)
			total += int64(n)
			if err != nil {
				drained <- total
				return
			}
		}
	}()
	run(t, func() error {
		n, err := f.WriteContext(testctx.Within(t, 5*time.Second), []byte("next"))
		require.NoError(t, err)
		assert.Equal(t, 4, n)
		return nil
	})
	closeSoon(t, f)
	assert.Equal(t, int64(big+4), <-drained)
	require.NoError(t, pr.Close())
}

// pipeBytes returns how many bytes the pipe of reading end r holds (FIONREAD).
func pipeBytes(t *testing.T, r *os.File) int {
	t.Helper()
	var n int32
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	require.Zero(t, e, "FIONREAD")
	return int(n)
}

// TestTeardownThreadQueuedWriteDropped: a thread-mode Write still queued on the pool (its one
// worker busy) when its hub ends never runs: it wrote nothing, its greenlet got GreenletExit,
// and the next hub's Write neither waits for it nor reports it.
func TestTeardownThreadQueuedWriteDropped(t *testing.T) {
	pr, pw := blockingPipe(t)
	f, err := fileobject.NewThread(pw)
	require.NoError(t, err)
	release := make(chan struct{})
	var werr error
	require.NoError(t, scheduler.Config{ThreadpoolSize: 1}.Main(func() error {
		started := make(chan struct{})
		threadpool.Spawn(threadpool.Default(), func() (int, error) { close(started); <-release; return 0, nil })
		_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { <-started; return struct{}{}, nil })
		require.NoError(t, err)
		g := scheduler.Go(func() error { _, werr = f.Write([]byte("dropped")); return nil })
		waitParked(t, g)
		assert.Equal(t, 2, threadpool.Default().Len(), "the write is queued behind the busy worker")
		return nil
	}))
	assert.ErrorIs(t, werr, scheduler.ErrGreenletExit)
	run(t, func() error {
		n, err := f.WriteContext(testctx.Within(t, 5*time.Second), []byte("next"))
		require.NoError(t, err)
		assert.Equal(t, 4, n)
		return nil
	})
	close(release)
	closeSoon(t, f)
	got, err := io.ReadAll(pr)
	require.NoError(t, err)
	assert.Equal(t, "next", string(got))
	require.NoError(t, pr.Close())
}

// TestTeardownThreadCloseAfterHub: a thread-mode File whose hub ended with a read still on the
// worker closes from a goroutine once that read returns (os.File's rule for a blocking
// descriptor, as documented), and leaves no descriptor behind.
func TestTeardownThreadCloseAfterHub(t *testing.T) {
	base := openFDs(t)
	pr, pw := blockingPipe(t)
	f, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	run(t, func() error {
		g := scheduler.Go(func() error { _, _ = f.Read(make([]byte, 16)); return nil })
		waitParked(t, g)
		return nil
	})
	require.NoError(t, pw.Close()) // the worker's read(2) returns EOF
	closeSoon(t, f)
	assert.Equal(t, base, openFDs(t), "descriptors left open")
}
