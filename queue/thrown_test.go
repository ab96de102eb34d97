package queue_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// TestThrownQueueErrorsAreWrappedLikeAnyOther: a *queue.Error thrown into a waiting greenlet (a
// Kill's: another queue's call that failed) is wrapped in the waiting call's *Error as every
// thrown error is, not taken for the queue's own: Queue.Get and Channel.Get returned it as it
// was, naming another call, and JoinableQueue.Get renamed one that named Queue.Get into its own,
// dropping it. The queue's own Shutdown of a waiting putter still names the call that waits.
func TestThrownQueueErrorsAreWrappedLikeAnyOther(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		var q queue.Queue[int]
		var jq queue.JoinableQueue[int]
		ch := queue.NewChannel[int]()
		for _, c := range []struct {
			op   string
			call func() error
		}{
			{"Queue.Get", func() error { _, err := q.Get(bg); return err }},
			{"JoinableQueue.Get", func() error { _, err := jq.Get(bg); return err }},
			{"Channel.Get", func() error { _, err := ch.Get(bg); return err }},
		} {
			for _, thrown := range []*queue.Error{
				{Op: "Queue.Get", Err: errors.New("cause")},
				{Op: "Queue.Put", Err: queue.ErrShutdown},
			} {
				err := waitingCall(t, c.call, func(g *scheduler.Greenlet[struct{}]) {
					require.NoError(t, g.Kill(ctx, thrown))
				})
				assert.Equal(t, &queue.Error{Op: c.op, Err: thrown}, err, "%s killed with %v", c.op, thrown)
			}
		}

		full := queue.NewJoinable[int](1)
		require.NoError(t, full.TryPut(0))
		fullQ := queue.New[int](1)
		require.NoError(t, fullQ.TryPut(0))
		for _, c := range []struct {
			op       string
			call     func() error
			shutdown func()
		}{
			{"JoinableQueue.Put", func() error { return full.Put(bg, 1) }, full.Shutdown},
			{"Queue.Put", func() error { return fullQ.Put(bg, 1) }, fullQ.Shutdown},
			{"Channel.Put", func() error { return ch.Put(bg, 1) }, ch.Shutdown},
		} {
			err := waitingCall(t, c.call, func(*scheduler.Greenlet[struct{}]) { c.shutdown() })
			assert.Equal(t, &queue.Error{Op: c.op, Err: queue.ErrShutdown}, err, c.op)
		}
		return nil
	})
}
