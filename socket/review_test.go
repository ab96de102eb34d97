package socket_test

import (
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// lockWaiters counts the goroutines queued on a shared socket's direction lock.
func lockWaiters() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "socket.(*shared).lockDir(")
}

// TestKilledSharedReadsKeepInOrder: two greenlets read a shared socket, the first (a large
// buffer) holding the read lock, the second (a small one) queued behind it; both are killed.
// The first one's read keeps what it got; the second one's then takes the first bytes of that
// and, given up too, keeps them in turn. It used to keep only its own bytes, replacing the rest
// of what was kept: those bytes were lost to the stream. Now what it took goes back in front of
// the rest. Which goroutine gets the lock next is not timing: the queued second read is handed
// the lock by the first one's unlock, before the test's reader, which queues later.
func TestKilledSharedReadsKeepInOrder(t *testing.T) {
	run(t, func() error {
		sa, b := sharedSocketpair(t)
		defer sa.Close()
		defer b.Close()
		ctx := testctx.Within(t, 5*time.Second)
		first := scheduler.Spawn(func() (int, error) { return sa.Read(make([]byte, 16)) })
		require.NoError(t, pollUntil(ctx, func() bool { return socket.ReadLockHeld(sa.(*socket.Conn)) }))
		waiters := lockWaiters()
		second := scheduler.Spawn(func() (int, error) { return sa.Read(make([]byte, 2)) })
		require.NoError(t, pollUntil(ctx, func() bool { return lockWaiters() > waiters }))
		require.NoError(t, first.Kill(ctx, nil))
		require.NoError(t, second.Kill(ctx, nil))
		_, err := b.Write([]byte("0123456789"))
		require.NoError(t, err)
		require.NoError(t, sa.SetReadDeadline(time.Now().Add(5*time.Second)))
		got, err := scheduler.RunBlocking(bg, func() ([]byte, error) {
			p := make([]byte, 10)
			n, err := io.ReadFull(sa, p)
			return p[:n], err
		})
		require.NoError(t, err, "read %q", got)
		assert.Equal(t, "0123456789", string(got), "no byte lost, none reordered")
		return nil
	})
}
