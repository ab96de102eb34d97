package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// waitingOn returns what each named greenlet of the snapshot's tree waits on.
func waitingOn(gs []scheduler.GreenletInfo, into map[string]string) map[string]string {
	for _, g := range gs {
		if g.State == "waiting" {
			into[g.Name] = g.WaitingOn
		}
		waitingOn(g.Children, into)
	}
	return into
}

// TestJoinableQueueWaitsShowTheirCall: a greenlet waiting in a JoinableQueue's Put, Get, Peek,
// All or Join shows that call in runinfo (and so in LoopExit's report, which reads the same
// label), as its errors name it; they said Queue.Put and Queue.Get, and Join the Event.Wait of
// the event it waits on. The embedded Queue's calls, made as such, and a plain Queue's still
// show Queue's.
func TestJoinableQueueWaitsShowTheirCall(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		full := queue.NewJoinable[int](1)
		require.NoError(t, full.TryPut(0))
		var empty queue.JoinableQueue[int] // the zero value: no count yet when Get waits
		var plain queue.Queue[int]
		stop, cancel := context.WithCancel(bg)
		defer cancel()
		calls := map[string]struct {
			want string
			call func() error
		}{
			"jq put":  {"JoinableQueue.Put", func() error { return full.Put(stop, 1) }},
			"jq get":  {"JoinableQueue.Get", func() error { _, err := empty.Get(stop); return err }},
			"jq peek": {"JoinableQueue.Peek", func() error { _, err := empty.Peek(stop); return err }},
			"jq join": {"JoinableQueue.Join", func() error { return full.Join(stop) }},
			"jq all": {"JoinableQueue.Get", func() error {
				for _, err := range empty.All(stop) {
					return err
				}
				return nil
			}},
			"embedded put": {"Queue.Put", func() error { return full.Queue.Put(stop, 1) }},
			"embedded get": {"Queue.Get", func() error { _, err := empty.Queue.Get(stop); return err }},
			"queue get":    {"Queue.Get", func() error { _, err := plain.Get(stop); return err }},
		}
		var gs []*scheduler.Greenlet[struct{}]
		for name, c := range calls {
			g := scheduler.Go(func() error {
				err := c.call()
				if !errors.Is(err, context.Canceled) {
					return err
				}
				return nil
			})
			g.SetName(name)
			gs = append(gs, g)
		}
		require.NoError(t, scheduler.Sleep(ctx, 0)) // each waits
		info, err := scheduler.CurrentHub().Snapshot(ctx)
		require.NoError(t, err)
		got := waitingOn(info.Greenlets, map[string]string{})
		for name, c := range calls {
			assert.Equal(t, c.want, got[name], name)
		}
		cancel()
		for _, g := range gs {
			_, err := g.Get(ctx)
			require.NoError(t, err)
		}
		return nil
	})
}
