package fileobject_test

import (
	"encoding/binary"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/scheduler"
)

// The tests here are timing-sensitive: each asserts that a 1 ms ticker greenlet keeps ticking
// while another greenlet waits 300 ms on a descriptor (see assertHubKeepsTicking for the
// criteria and why). A hub blocked by the wait does not tick for the whole wait.

const waitFor = 300 * ms

// readAfter returns a wait for assertHubKeepsTicking: it has w write msg after waitFor, then reads
// from f until it has want. The write's error arrives on done.
func readAfter(f *fileobject.File, w *os.File, msg, want []byte, done *<-chan error) func() error {
	return func() error {
		*done = writeLater(w, waitFor, msg)
		got := make([]byte, len(want))
		if _, err := io.ReadFull(f, got); err != nil {
			return err
		}
		if string(got) != string(want) {
			return io.ErrUnexpectedEOF
		}
		return nil
	}
}

// TestControlPlainReadBlocksHubTimingSensitive shows that the ticker detects a blocked hub: a
// greenlet reading a plain blocking *os.File stops every other greenlet for the whole wait.
func TestControlPlainReadBlocksHubTimingSensitive(t *testing.T) {
	r, w := blockingPipe(t)
	defer r.Close()
	defer w.Close()
	run(t, func() error {
		scheduler.CurrentHub().SetBlockingThreshold(0) // the stall is the point: no report
		tk := startTicker()
		require.NoError(t, scheduler.Sleep(bg, 0)) // let it start
		before := tk.ticks
		done := writeLater(w, waitFor, []byte("x"))
		_, err := r.Read(make([]byte, 1))
		require.NoError(t, err)
		require.NoError(t, <-done)
		assert.LessOrEqual(t, tk.ticks-before, 2, "the ticker ran during a blocking read")
		tk.stop(t)
		assert.GreaterOrEqual(t, tk.maxGap, waitFor*9/10, "assertHubKeepsTicking's gap criterion sees it")
		return nil
	})
}

func TestPipeReadKeepsHubRunningTimingSensitive(t *testing.T) {
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pw.Close()
	f, err := fileobject.New(pr)
	require.NoError(t, err)
	assert.False(t, f.Threaded())
	run(t, func() error {
		defer f.Close()
		var done <-chan error
		assertHubKeepsTicking(t, waitFor, readAfter(f, pw, []byte("ping"), []byte("ping"), &done))
		return <-done
	})
}

func TestPipeWriteKeepsHubRunningTimingSensitive(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pr.Close()
	f, err := fileobject.New(pw)
	require.NoError(t, err)
	run(t, func() error {
		defer f.Close()
		// Fill the pipe, then write one byte more: it waits until the reader drains it.
		fill := make([]byte, 1<<20)
		require.NoError(t, f.SetWriteDeadline(time.Now().Add(50*ms)))
		n, err := f.Write(fill)
		require.ErrorIs(t, err, fileobject.ErrTimeout)
		require.NoError(t, f.SetWriteDeadline(time.Time{}))
		drained := make(chan error, 1)
		assertHubKeepsTicking(t, waitFor, func() error {
			time.AfterFunc(waitFor, func() {
				_, err := io.ReadFull(pr, make([]byte, n))
				drained <- err
			})
			_, err := f.Write([]byte("x"))
			return err
		})
		return <-drained
	})
}

func TestTTYReadKeepsHubRunningTimingSensitive(t *testing.T) {
	master, slave := openPTY(t)
	defer slave.Close()
	f, err := fileobject.New(master)
	require.NoError(t, err)
	assert.False(t, f.Threaded())
	run(t, func() error {
		defer f.Close()
		var done <-chan error
		// The line discipline turns "\n" into "\r\n" on the way to the master.
		assertHubKeepsTicking(t, waitFor, readAfter(f, slave, []byte("hi\n"), []byte("hi\r\n"), &done))
		return <-done
	})
}

func TestEventfdReadKeepsHubRunningTimingSensitive(t *testing.T) {
	fd := eventfd(t)
	f, err := fileobject.NewFD(fd)
	require.NoError(t, err)
	run(t, func() error {
		defer f.Close()
		done := make(chan error, 1)
		assertHubKeepsTicking(t, waitFor, func() error {
			time.AfterFunc(waitFor, func() {
				_, err := syscall.Write(fd, binary.NativeEndian.AppendUint64(nil, 7))
				done <- err
			})
			b := make([]byte, 8)
			if _, err := f.Read(b); err != nil {
				return err
			}
			assert.Equal(t, uint64(7), binary.NativeEndian.Uint64(b))
			return nil
		})
		return <-done
	})
}

// A worker blocked in read(2) on a blocking descriptor stands for a regular file on a slow
// disk: thread mode parks the greenlet, not the hub.
func TestThreadReadKeepsHubRunningTimingSensitive(t *testing.T) {
	pr, pw := blockingPipe(t)
	defer pw.Close()
	f, err := fileobject.NewThread(pr)
	require.NoError(t, err)
	assert.True(t, f.Threaded())
	run(t, func() error {
		defer f.Close()
		var done <-chan error
		assertHubKeepsTicking(t, waitFor, readAfter(f, pw, []byte("slow disk"), []byte("slow disk"), &done))
		return <-done
	})
}
