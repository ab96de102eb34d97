package faults

import (
	"context"
	"sync"
	"sync/atomic"
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

	h, err := scheduler.NewHub()
	require.NoError(t, err)
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
	q := queue.New[int](0)
	release := make(chan struct{})
	var fnStarted atomic.Int32
	var fnDone sync.WaitGroup
	fnDone.Add(2)
	// blockOff is the function run off the hub: it says it started, so that
	// the test waits for both to run before destroying the hub, and holds
	// until released.
	blockOff := func() (int, error) {
		defer fnDone.Done()
		fnStarted.Add(1)
		<-release
		return 0, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ops := map[string]func() error{
		"sleep":        func() error { return scheduler.Sleep(bg, time.Hour) },
		"waiter":       func() error { _, err := scheduler.NewWaiter("").Get(bg); return err },
		"event":        func() error { return ev.Wait(bg) },
		"queue get":    func() error { _, err := q.Get(bg); return err },
		"semaphore":    func() error { return sem.Acquire(bg) },
		"socket read":  func() error { _, err := a.Read(make([]byte, 1)); return err },
		"accept":       func() error { _, err := l.Accept(); return err },
		"wait context": func() error { return scheduler.WaitContext(ctx) },
		"timeout guard": func() error {
			tm, err := scheduler.StartTimeout(time.Hour)
			if err != nil {
				return err
			}
			defer tm.Cancel()
			return scheduler.Sleep(bg, time.Hour)
		},
		"run blocking": func() error {
			_, err := scheduler.RunBlocking(bg, blockOff)
			return err
		},
		"threadpool": func() error {
			_, err := threadpool.Apply(bg, pool, blockOff)
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
			defer func() { o.deferErr = scheduler.Sleep(bg, time.Millisecond) }()
			o.opErr = op()
			return o.opErr
		})
		g.SetName(name)
	}
	// A joiner of a blocked greenlet, too.
	target := scheduler.Go(func() error { return scheduler.Sleep(bg, time.Hour) })
	joiner := &outcome{}
	outcomes["join"] = joiner
	scheduler.Go(func() error {
		defer func() { joiner.deferErr = scheduler.Sleep(bg, time.Millisecond) }()
		joiner.opErr = target.Join(bg)
		return joiner.opErr
	})
	// Every greenlet blocks in its first switch; the functions off the hub
	// start on goroutines of their own, so poll for them.
	require.True(t, pollUntil(t, func() bool { return fnStarted.Load() == 2 }), "both functions off the hub started")
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
