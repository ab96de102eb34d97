package faults

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
	"github.com/geventgo/geventgo/threadpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestDestroyWithSuspendedGreenlets destroys a hub while greenlets are
// suspended in every kind of blocking operation: each gets ErrGreenletExit at
// its wait, its defers run, a blocking call inside a defer gets
// ErrHubDestroyed, greenlets that never started never run, and afterwards no
// goroutine, coroutine or file descriptor of the hub is left.
func TestDestroyWithSuspendedGreenlets(t *testing.T) {
	before := goleak.IgnoreCurrent()
	fdsBefore := openFDs(t)

	h := scheduler.GetHub()
	r := &reports{}
	h.SetErrorHandler(r.add)
	h.SetBlockingThreshold(2 * time.Second)

	a, b, err := socket.Socketpair()
	require.NoError(t, err)
	l, err := socket.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pool, err := threadpool.New(2)
	require.NoError(t, err)
	sem, err := lock.NewSemaphore(0)
	require.NoError(t, err)
	var ev event.Event
	q := queue.NewQueue[int](0)
	release := make(chan struct{})
	var fnDone sync.WaitGroup
	fnDone.Add(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ops := map[string]func() error{
		"sleep":        func() error { return scheduler.Sleep(time.Hour) },
		"waiter":       func() error { _, err := scheduler.NewWaiter().Get(); return err },
		"event":        func() error { _, err := ev.Wait(scheduler.Forever); return err },
		"queue get":    func() error { _, err := q.Get(true, scheduler.Forever); return err },
		"semaphore":    func() error { _, err := sem.Acquire(true, scheduler.Forever); return err },
		"socket read":  func() error { _, err := a.Read(make([]byte, 1)); return err },
		"accept":       func() error { _, err := l.Accept(); return err },
		"wait context": func() error { return scheduler.WaitContext(ctx) },
		"timeout guard": func() error {
			tm := scheduler.StartTimeout(time.Hour)
			defer tm.Cancel()
			return scheduler.Sleep(time.Hour)
		},
		"run blocking": func() error {
			_, err := scheduler.RunBlocking(func() (int, error) { defer fnDone.Done(); <-release; return 0, nil })
			return err
		},
		"threadpool": func() error {
			_, err := threadpool.Apply(pool, func() (int, error) { defer fnDone.Done(); <-release; return 0, nil })
			return err
		},
	}
	type outcome struct {
		opErr, deferErr error
	}
	outcomes := map[string]*outcome{}
	for name, op := range ops {
		o := &outcome{}
		outcomes[name] = o
		g := scheduler.Go(func() error {
			defer func() { o.deferErr = scheduler.Sleep(time.Millisecond) }()
			o.opErr = op()
			return o.opErr
		})
		g.SetName(name)
	}
	// A joiner of a blocked greenlet, too.
	target := scheduler.Go(func() error { return scheduler.Sleep(time.Hour) })
	joiner := &outcome{}
	outcomes["join"] = joiner
	scheduler.Go(func() error {
		defer func() { joiner.deferErr = scheduler.Sleep(time.Millisecond) }()
		joiner.opErr = target.Join(scheduler.Forever)
		return joiner.opErr
	})
	require.NoError(t, scheduler.Sleep(10*time.Millisecond))
	assert.Equal(t, len(ops)+2, h.Stats().LiveGreenlets)
	neverRan := false
	scheduler.Go(func() error { neverRan = true; return nil })

	require.NoError(t, h.Destroy())
	assert.False(t, neverRan, "a greenlet spawned but not started never runs")
	for name, o := range outcomes {
		assert.ErrorIs(t, o.opErr, scheduler.ErrGreenletExit, "%s: the wait got GreenletExit", name)
		assert.ErrorIs(t, o.deferErr, scheduler.ErrHubDestroyed, "%s: a blocking call in a defer", name)
	}

	// Functions still running off the hub finish; their results have
	// nowhere to go and are dropped.
	close(release)
	fnDone.Wait()
	// Sockets and pools outlive the hub only to be closed.
	for _, c := range []interface{ Close() error }{a, b, l} {
		_ = c.Close()
	}
	_ = pool.Close()
	goleak.VerifyNone(t, before)
	assert.Equal(t, fdsBefore, openFDs(t), "the loop's and the sockets' fds are closed")
	for _, rep := range r.all() {
		assert.ErrorIs(t, rep, scheduler.ErrHubDestroyed, "only destruction-related reports: %v", rep)
	}
}
