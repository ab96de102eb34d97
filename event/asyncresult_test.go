package event_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

func TestAsyncResult(t *testing.T) {
	run(t, func() error {
		var a event.AsyncResult[string]
		_, err := a.TryGet()
		assert.ErrorIs(t, err, event.ErrNotReady)
		_, err = a.Get(within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		scheduler.Go(func() error { a.Set("v"); return nil })
		v, err := a.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "v", v)
		assert.True(t, a.Successful())

		var b event.AsyncResult[int]
		boom := errors.New("boom")
		b.SetError(boom)
		_, err = b.Get(bg)
		assert.ErrorIs(t, err, boom)
		assert.True(t, b.Ready())
		assert.False(t, b.Successful())
		assert.Equal(t, boom, b.Err())
		return nil
	})
}

func ExampleAsyncResult() {
	_ = scheduler.Main(func() error {
		var r event.AsyncResult[int]
		scheduler.Go(func() error { r.Set(42); return nil })
		v, err := r.Get(bg)
		fmt.Println(v, err)
		return nil
	})
	// Output: 42 <nil>
}

// TestAsyncResultLinkCount: waiters and links count until they run or give up (gevent's
// linkcount), as on Event.
func TestAsyncResultLinkCount(t *testing.T) {
	run(t, func() error {
		var a event.AsyncResult[int]
		var nilA *event.AsyncResult[int]
		assert.Zero(t, nilA.LinkCount())
		w1 := scheduler.Go(func() error { _, err := a.Get(bg); return err })
		w2 := scheduler.Go(func() error { return a.Wait(bg) })
		a.Rawlink(func(scheduler.Linkable) {})
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, 3, a.LinkCount())
		require.NoError(t, w2.Kill(bg, nil))
		assert.Equal(t, 2, a.LinkCount(), "a killed waiter unlinks")
		a.Set(1)
		_, err := scheduler.JoinAll(bg, []*scheduler.Greenlet[struct{}]{w1})
		require.NoError(t, err)
		assert.Zero(t, a.LinkCount())
		return nil
	})
}
