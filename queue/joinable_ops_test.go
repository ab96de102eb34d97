package queue_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// refusal is one failing call on a JoinableQueue: the Op its error must
// name and the sentinels errors.Is must still find in it.
type refusal struct {
	op   string
	err  error
	want []error
}

// waitingCall runs call in a greenlet, lets it block, calls end (which must
// end the wait) and returns what call returned.
func waitingCall(t *testing.T, call func() error, end func(g *scheduler.Greenlet[struct{}])) error {
	var err error
	g := scheduler.Go(func() error { err = call(); return nil })
	require.NoError(t, scheduler.Sleep(bg, 0))
	end(g)
	_, jerr := g.Get(bg)
	require.NoError(t, jerr)
	return err
}

// onHub returns what call returned when made from a hub callback.
func onHub(t *testing.T, call func() error) error {
	var err error
	_, cerr := scheduler.CurrentHub().RunCallback(func() { err = call() })
	require.NoError(t, cerr)
	require.NoError(t, scheduler.Sleep(bg, 0))
	return err
}

// joinableRefusals makes every way a JoinableQueue's own and Queue-like
// calls fail, from inside a greenlet of the current hub.
func joinableRefusals(t *testing.T) map[string]refusal {
	ended, cancel := context.WithCancel(bg)
	cancel()
	full := queue.NewJoinable[int](1)
	require.NoError(t, full.TryPut(0))
	empty := queue.NewJoinable[int](0)
	shut := queue.NewJoinable[int](0)
	shut.Shutdown()
	var nilQ *queue.JoinableQueue[int]
	var nilCtx context.Context
	get := func(q *queue.JoinableQueue[int], ctx context.Context) error { _, err := q.Get(ctx); return err }
	peek := func(q *queue.JoinableQueue[int], ctx context.Context) error { _, err := q.Peek(ctx); return err }
	r := map[string]refusal{
		"Put nil ctx":      {"JoinableQueue.Put", full.Put(nilCtx, 1), []error{scheduler.ErrNilArgument}},
		"Put nil queue":    {"JoinableQueue.Put", nilQ.Put(bg, 1), []error{scheduler.ErrNilArgument}},
		"Put ctx ended":    {"JoinableQueue.Put", full.Put(ended, 1), []error{context.Canceled}},
		"Put shut down":    {"JoinableQueue.Put", shut.Put(bg, 1), []error{queue.ErrShutdown, scheduler.ErrClosed}},
		"TryPut full":      {"JoinableQueue.TryPut", full.TryPut(1), []error{queue.ErrFull}},
		"TryPut shut down": {"JoinableQueue.TryPut", shut.TryPut(1), []error{queue.ErrShutdown, scheduler.ErrClosed}},
		"TryPut nil queue": {"JoinableQueue.TryPut", nilQ.TryPut(1), []error{scheduler.ErrNilArgument}},
		"Get nil ctx":      {"JoinableQueue.Get", get(empty, nilCtx), []error{scheduler.ErrNilArgument}},
		"Get nil queue":    {"JoinableQueue.Get", get(nilQ, bg), []error{scheduler.ErrNilArgument}},
		"Get ctx ended":    {"JoinableQueue.Get", get(empty, ended), []error{context.Canceled}},
		"Get shut down":    {"JoinableQueue.Get", get(shut, bg), []error{queue.ErrShutdown, scheduler.ErrClosed}},
		"Peek nil ctx":     {"JoinableQueue.Peek", peek(empty, nilCtx), []error{scheduler.ErrNilArgument}},
		"Peek ctx ended":   {"JoinableQueue.Peek", peek(empty, ended), []error{context.Canceled}},
		"Peek shut down":   {"JoinableQueue.Peek", peek(shut, bg), []error{queue.ErrShutdown, scheduler.ErrClosed}},
		"SetMaxSize nil":   {"JoinableQueue.SetMaxSize", nilQ.SetMaxSize(1), []error{scheduler.ErrNilArgument}},
		"All ctx ended":    {"JoinableQueue.Get", allYields(empty.All(ended)), []error{context.Canceled}},
		"Join nil ctx":     {"JoinableQueue.Join", full.Join(nilCtx), []error{scheduler.ErrNilArgument}},
		"Join nil queue":   {"JoinableQueue.Join", nilQ.Join(bg), []error{scheduler.ErrNilArgument}},
		"Join ctx ended":   {"JoinableQueue.Join", full.Join(ended), []error{context.Canceled}},
	}
	_, err := empty.TryGet()
	r["TryGet empty"] = refusal{"JoinableQueue.TryGet", err, []error{queue.ErrEmpty}}
	_, err = shut.TryGet()
	r["TryGet shut down"] = refusal{"JoinableQueue.TryGet", err, []error{queue.ErrShutdown, scheduler.ErrClosed}}
	_, err = nilQ.TryGet()
	r["TryGet nil queue"] = refusal{"JoinableQueue.TryGet", err, []error{scheduler.ErrNilArgument}}
	_, err = empty.TryPeek()
	r["TryPeek empty"] = refusal{"JoinableQueue.TryPeek", err, []error{queue.ErrEmpty}}

	// Waits that something else ends.
	waiting := queue.NewJoinable[int](1)
	require.NoError(t, waiting.TryPut(0))
	err = waitingCall(t, func() error { return waiting.Put(bg, 1) }, func(*scheduler.Greenlet[struct{}]) { waiting.Shutdown() })
	r["Put woken by Shutdown"] = refusal{"JoinableQueue.Put", err, []error{queue.ErrShutdown, scheduler.ErrClosed}}
	killed := queue.NewJoinable[int](1)
	require.NoError(t, killed.TryPut(0))
	kill := func(g *scheduler.Greenlet[struct{}]) { require.NoError(t, g.Kill(bg, nil)) }
	err = waitingCall(t, func() error { return killed.Put(bg, 1) }, kill)
	r["Put killed"] = refusal{"JoinableQueue.Put", err, []error{scheduler.ErrGreenletExit}}
	drained := queue.NewJoinable[int](0)
	err = waitingCall(t, func() error { return get(drained, bg) }, func(*scheduler.Greenlet[struct{}]) { drained.Shutdown() })
	r["Get woken by Shutdown"] = refusal{"JoinableQueue.Get", err, []error{queue.ErrShutdown, scheduler.ErrClosed}}
	err = waitingCall(t, func() error { return peek(empty, bg) }, kill)
	r["Peek killed"] = refusal{"JoinableQueue.Peek", err, []error{scheduler.ErrGreenletExit}}

	// The hub greenlet may not wait.
	r["Put from the hub"] = refusal{"JoinableQueue.Put", onHub(t, func() error { return full.Put(bg, 1) }), []error{scheduler.ErrNotGreenlet}}
	r["Get from the hub"] = refusal{"JoinableQueue.Get", onHub(t, func() error { return get(empty, bg) }), []error{scheduler.ErrNotGreenlet}}
	r["Join from the hub"] = refusal{"JoinableQueue.Join", onHub(t, func() error { return full.Join(bg) }), []error{scheduler.ErrNotGreenlet}}
	r["Join nil ctx, nothing unfinished"] = refusal{"JoinableQueue.Join", empty.Join(nilCtx), []error{scheduler.ErrNilArgument}}

	// A goroutine that is not a greenlet of the queue's hub.
	var foreign map[string]refusal
	require.True(t, inGoroutine(func() {
		_, tg := empty.TryGet()
		_, tp := empty.TryPeek()
		foreign = map[string]refusal{
			"Put foreign":        {"JoinableQueue.Put", full.Put(bg, 1), nil},
			"TryPut foreign":     {"JoinableQueue.TryPut", full.TryPut(1), nil},
			"Get foreign":        {"JoinableQueue.Get", get(empty, bg), nil},
			"TryGet foreign":     {"JoinableQueue.TryGet", tg, nil},
			"Peek foreign":       {"JoinableQueue.Peek", peek(empty, bg), nil},
			"TryPeek foreign":    {"JoinableQueue.TryPeek", tp, nil},
			"SetMaxSize foreign": {"JoinableQueue.SetMaxSize", empty.SetMaxSize(3), nil},
			"All foreign":        {"JoinableQueue.Get", allYields(empty.All(bg)), nil},
			"Join foreign":       {"JoinableQueue.Join", full.Join(bg), nil},
		}
	}), "a hub was created")
	for name, f := range foreign {
		f.want = []error{scheduler.ErrNotGreenlet}
		r[name] = f
	}
	return r
}

// TestJoinableQueueErrorsNameItsCalls: every error of a JoinableQueue's
// Put, TryPut, Get, TryGet, Peek, TryPeek, SetMaxSize, All and Join names the
// JoinableQueue call the caller made (All, Get's), once, and errors.Is still
// finds its sentinels. Before, all but the refusals of Put and TryPut checked
// before they reach the embedded Queue said Queue.Put, Queue.TryPut,
// Queue.Get and so on; Join's refusals (a nil ctx, the hub greenlet) said
// "queue: JoinableQueue.Join: event: Event.Wait: ...", the event it waits on
// named inside.
func TestJoinableQueueErrorsNameItsCalls(t *testing.T) {
	run(t, func() error {
		for name, r := range joinableRefusals(t) {
			require.Error(t, r.err, name)
			var qe *queue.Error
			require.True(t, errors.As(r.err, &qe), "%s: %T %v", name, r.err, r.err)
			assert.Equal(t, r.op, qe.Op, "%s: %v", name, r.err)
			assert.Contains(t, r.err.Error(), "queue: "+r.op+": ", name)
			var ee *event.Error
			assert.False(t, errors.As(r.err, &ee), "%s: %v names the event it waits on", name, r.err)
			for _, want := range r.want {
				assert.ErrorIs(t, r.err, want, name)
			}
		}
		return nil
	})
}
