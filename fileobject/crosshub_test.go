package fileobject_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
)

// crossClose is what one hub of TestCloseAcrossHubsAtOnce saw.
type crossClose struct {
	hub      int
	mainErr  error // scheduler.Main's
	closeErr error // Close of the other hub's File
	fdOpen   bool  // the other hub's descriptor was still open when Close returned
	readErr  error // the reader blocked on the hub's own File
}

// Two hubs close each other's Files at the same moment, each File under a reader blocked on
// it: each Close waits until the other hub has run its teardown, so a Close that blocked its
// hub's thread for that wait would deadlock both hubs. Each Close returns once the descriptor is
// closed, and each reader is woken with the closed error. The deadline turns a deadlock into a
// failure.
func TestCloseAcrossHubsAtOnce(t *testing.T) {
	var rs [2]*fileobject.File
	for i := range rs {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		defer w.Close()
		rs[i] = r
	}
	var met sync.WaitGroup
	met.Add(2)
	out := make(chan crossClose, 2)
	for i := range 2 {
		own, other := rs[i], rs[1-i]
		go func() {
			o := crossClose{hub: i}
			o.mainErr = scheduler.Main(func() error {
				loop := scheduler.CurrentHub().Loop()
				idle := loop.ActiveCount()
				reader := spawnIO(func() (int, error) { return own.Read(make([]byte, 1)) })
				for loop.ActiveCount() == idle { // until the reader waits on its io watcher
					if err := scheduler.Sleep(bg, 0); err != nil {
						return err
					}
				}
				// Both hubs' threads meet here, and each goes straight into its Close: neither
				// hub can run the other's teardown before its own Close has posted one.
				met.Done()
				met.Wait()
				fd := other.Fd()
				o.closeErr = other.Close()
				o.fdOpen = isOpen(fd)
				res, err := reader.Get(testctx.Within(t, 10*time.Second))
				o.readErr = res.err
				return err
			})
			out <- o
		}()
	}
	deadline := time.After(10 * time.Second)
	for range 2 {
		select {
		case o := <-out:
			require.NoError(t, o.mainErr, "hub %d", o.hub)
			require.NoError(t, o.closeErr, "hub %d", o.hub)
			assert.False(t, o.fdOpen, "hub %d: Close returned before the descriptor was closed", o.hub)
			assertClosed(t, o.readErr)
		case <-deadline:
			t.Fatal("the two hubs deadlocked closing each other's Files")
		}
	}
}

// A greenlet of another hub killed while its Close waits for the File's hub gets the kill's
// error from Close at once; the close completes without it once the File's hub runs (the
// descriptor is closed and the File's reader woken with the closed error), and a second Close
// says the File is closed.
func TestCloseFromAnotherHubKilledWhileWaiting(t *testing.T) {
	r, w, err := fileobject.Pipe()
	require.NoError(t, err)
	defer w.Close()
	fd := r.Fd()
	bound, release := make(chan struct{}), make(chan struct{})
	var readErr error
	owner := make(chan error, 1)
	go func() {
		owner <- scheduler.Main(func() error {
			loop := scheduler.CurrentHub().Loop()
			idle := loop.ActiveCount()
			reader := spawnIO(func() (int, error) { return r.Read(make([]byte, 1)) })
			for loop.ActiveCount() == idle { // until the reader waits: r is bound to this hub
				if err := scheduler.Sleep(bg, 0); err != nil {
					return err
				}
			}
			close(bound)
			<-release // holds this hub's thread: the teardown Close posts cannot run yet
			res, err := reader.Get(testctx.Within(t, 10*time.Second))
			readErr = res.err
			return err
		})
	}()
	<-bound
	killed := make(chan error, 1)
	go func() {
		killed <- scheduler.Main(func() error {
			entered := false
			closer := scheduler.Spawn(func() (error, error) {
				entered = true
				return r.Close(), nil
			})
			for !entered { // Close runs from here up to its wait without a switch
				if err := scheduler.Sleep(bg, 0); err != nil {
					return err
				}
			}
			if err := closer.Kill(testctx.Within(t, 10*time.Second), nil); err != nil {
				return err
			}
			closeErr := closer.Value()
			assert.ErrorIs(t, closeErr, scheduler.ErrGreenletExit)
			var fe *fileobject.Error
			if assert.ErrorAs(t, closeErr, &fe) {
				assert.Equal(t, "File.Close", fe.Op)
			}
			return nil
		})
	}()
	select {
	case err := <-killed:
		close(release)
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		close(release) // lets the owner run the teardown, which unblocks the closer's hub
		<-killed
		t.Fatal("Close from a greenlet of another hub blocked its hub's thread")
	}
	require.NoError(t, <-owner)
	assertClosed(t, readErr)
	assert.False(t, isOpen(fd), "the close completed without the killed caller")
	assertClosed(t, r.Close())
}
