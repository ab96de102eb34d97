package lock_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

// TestSemaphoreLinkGoexitPassesTheTurn: a release wakes one link at a time
// while the semaphore stays ready; a Rawlink that calls runtime.Goexit
// without acquiring it is reported by the hub and the turn goes on to the
// next waiter, which acquires; a second release wakes the one after it.
// (Without a round's end after a Goexit the semaphore's round stayed
// pending: no release woke anyone again.)
func TestSemaphoreLinkGoexitPassesTheTurn(t *testing.T) {
	run(t, func() error {
		scheduler.CurrentHub().SetErrorHandler(func(error) {}) // the Goexit's report
		s, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		var order []string
		s.Rawlink(func(scheduler.Linkable) { order = append(order, "exit"); runtime.Goexit() })
		a := scheduler.Go(func() error { err := s.Acquire(bg); order = append(order, "a"); return err })
		b := scheduler.Go(func() error { err := s.Acquire(bg); order = append(order, "b"); return err })
		require.NoError(t, scheduler.Sleep(bg, 0))
		ctx := testctx.Within(t, 5*time.Second)
		_, err = s.Release()
		require.NoError(t, err)
		_, err = a.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"exit", "a"}, order)
		assert.Zero(t, s.Counter())
		_, err = s.Release()
		require.NoError(t, err)
		_, err = b.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"exit", "a", "b"}, order)
		assert.Zero(t, s.LinkCount())
		return nil
	})
}
