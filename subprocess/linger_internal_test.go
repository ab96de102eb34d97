package subprocess

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/fileobject"
)

// exitedWithPipe returns the exitWait of a process that has exited, whose parent end is the read
// end of a pipe, and the pipe's write end, which fails with EPIPE once the closer closed it.
func exitedWithPipe(t *testing.T) (*exitWait, *os.File) {
	t.Helper()
	r, wr, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = wr.Close() })
	f, err := fileobject.New(r)
	require.NoError(t, err)
	w := &exitWait{done: make(chan struct{}), parent: []*fileobject.File{f}}
	close(w.done)
	return w, wr
}

func readEndClosed(wr *os.File) bool {
	_, err := wr.Write([]byte{0})
	return errors.Is(err, syscall.EPIPE)
}

// A WaitDelay closer whose linger expired cannot be taken back: disarm reports that it came too
// late and timedOut stays true, so that Communicate, whose exchange ended with an error (its ctx)
// as WaitDelay passed, returns exec.ErrWaitDelay with what it read instead of its ctx's error
// over pipes already closed under the next call. Communicate used to check timedOut and then
// disarm, and lost an expiry that fell between the two.
func TestDisarmAfterExpiryLosesToIt(t *testing.T) {
	w, wr := exitedWithPipe(t)
	w.closeAfterExit(time.Millisecond)
	require.Eventually(t, func() bool { return readEndClosed(wr) }, 10*time.Second, time.Millisecond,
		"the closer never closed the pipe")
	assert.True(t, w.timedOut())
	assert.False(t, w.disarm(), "disarm took back a closer that had closed the pipes")
	assert.True(t, w.timedOut(), "the expiry was forgotten")
	assert.True(t, w.closer, "a later call could arm a second closer over closed pipes")
}

// A closer taken back before its linger passed leaves the pipes open for the next call, which
// may arm its own.
func TestDisarmBeforeExpiryKeepsPipesOpen(t *testing.T) {
	w, wr := exitedWithPipe(t)
	w.closeAfterExit(time.Hour)
	assert.True(t, w.disarm())
	assert.False(t, w.timedOut())
	assert.False(t, readEndClosed(wr))
	assert.False(t, w.closer)
	w.closeAfterExit(0) // armed again: closes at once, the process having exited
	require.Eventually(t, func() bool { return readEndClosed(wr) }, 10*time.Second, time.Millisecond,
		"the second closer never closed the pipe")
	assert.False(t, w.timedOut(), "closed on release, not by an expired linger")
}
