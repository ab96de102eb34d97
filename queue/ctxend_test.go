package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// TestContextEndIsTheCallsOwn: a wait that its context ended, at the call or during the wait,
// is the call's own end: an *Error naming the call whose cause is scheduler.ContextError's
// error, one name in the text ("queue: JoinableQueue.Join: context canceled"), not the event's
// or waiter's the call waited on, which name their own waits
// ("queue: JoinableQueue.Join: event: Event.Wait: context canceled").
func TestContextEndIsTheCallsOwn(t *testing.T) {
	run(t, func() error {
		full := queue.NewJoinable[int](1)
		require.NoError(t, full.TryPut(1))
		empty := queue.NewJoinable[int](0)
		calls := map[string]func(context.Context) error{
			"JoinableQueue.Join": full.Join,
			"JoinableQueue.Put":  func(ctx context.Context) error { return full.Put(ctx, 2) },
			"JoinableQueue.Get":  func(ctx context.Context) error { _, err := empty.Get(ctx); return err },
			"JoinableQueue.Peek": func(ctx context.Context) error { _, err := empty.Peek(ctx); return err },
		}
		cancelled, cancel := context.WithCancel(bg)
		cancel()
		for op, call := range calls {
			err := call(cancelled)
			assert.ErrorIs(t, err, context.Canceled, "%s, done at the call", op)
			assert.EqualError(t, err, "queue: "+op+": context canceled", "done at the call")

			ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
			err = call(ctx)
			cancel()
			assert.ErrorIs(t, err, context.DeadlineExceeded, "%s, deadline during the wait", op)
			assert.ErrorIs(t, err, scheduler.ErrTimeout, "%s, deadline during the wait", op)
			assert.EqualError(t, err, "queue: "+op+": context deadline exceeded", "deadline during the wait")
		}
		assert.Equal(t, 1, full.Len())
		assert.Equal(t, 1, full.Unfinished())
		return nil
	})
}
