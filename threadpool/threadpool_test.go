package threadpool_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const ms = time.Millisecond

var bg = context.Background()

func run(t *testing.T, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

// errOf returns the error of a two-result call.
func errOf[T any](_ T, err error) error { return err }

func TestApplyKeepsHubRunning(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		ticks := 0
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(ctx, ms); err != nil {
					return err
				}
				ticks++
			}
		})
		v, err := threadpool.Apply(ctx, p, func() (string, error) {
			time.Sleep(30 * ms) // a blocking call: only the worker goroutine waits
			return "done", nil
		})
		require.NoError(t, err)
		assert.Equal(t, "done", v)
		assert.Greater(t, ticks, 5, "other greenlets ran while the worker blocked")
		return ticker.Kill(ctx, nil)
	})
}

func TestSizeLimitAndMap(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var cur, peak atomic.Int32
		out, err := threadpool.Map(testctx.Within(t, 10*time.Second), p, func(i int) (string, error) {
			n := cur.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(5 * ms)
			cur.Add(-1)
			return strconv.Itoa(i * i), nil
		}, []int{1, 2, 3, 4, 5, 6})
		require.NoError(t, err)
		assert.Equal(t, []string{"1", "4", "9", "16", "25", "36"}, out)
		assert.Equal(t, int32(2), peak.Load())
		assert.Equal(t, 0, p.Len())
		return nil
	})
}

func TestErrorsAndPanics(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p := threadpool.Default()
		assert.Same(t, p, threadpool.Default())
		assert.Equal(t, threadpool.DefaultSize, p.Size())
		boom := errors.New("boom")
		_, err := threadpool.Apply(ctx, p, func() (int, error) { return 0, boom })
		assert.Same(t, boom, err, "fn's error comes back as it is")
		_, err = threadpool.Apply(ctx, p, func() (int, error) { panic("oops") })
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "oops", pe.Value)
		out, err := threadpool.Map(ctx, p, func(i int) (int, error) {
			if i == 2 {
				return 0, boom
			}
			return i, nil
		}, []int{1, 2, 3})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, []int{1}, out, "the results before the error")
		_, err = threadpool.New(0)
		assert.ErrorIs(t, err, threadpool.ErrInvalidSize)
		assert.EqualError(t, err, "threadpool: New(0): threadpool size must be at least 1")
		return nil
	})
}

//go:noinline
func panicInWorker() (int, error) { panic("worker panic") }

// TestPanicStack: a panic in a pool function is a *scheduler.PanicError
// carrying the stack of the worker where it happened, and a greenlet that
// fails with it gets that stack printed in the hub's error report.
func TestPanicStack(t *testing.T) {
	var report bytes.Buffer
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		scheduler.CurrentHub().SetErrorOutput(&report)
		defer scheduler.CurrentHub().SetErrorOutput(nil)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		_, err = threadpool.Apply(ctx, p, panicInWorker)
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Contains(t, string(pe.Stack), "panicInWorker")
		_, err = threadpool.Spawn(p, panicInWorker).Get(ctx)
		require.ErrorAs(t, err, &pe)
		assert.Contains(t, string(pe.Stack), "panicInWorker")

		g := scheduler.Go(func() error {
			_, err := threadpool.Apply(ctx, p, panicInWorker)
			return err
		})
		g.SetName("applier")
		require.NoError(t, g.Join(ctx))
		require.ErrorAs(t, g.Err(), &pe)
		for !bytes.Contains(report.Bytes(), []byte("applier failed")) {
			require.NoError(t, scheduler.Sleep(ctx, ms), "the failure was never reported")
		}
		assert.Contains(t, report.String(), "panic: worker panic")
		assert.Contains(t, report.String(), "panicInWorker", "the report prints the worker's stack")
		return p.Close()
	})
}

func TestGetContextAndKill(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		r := threadpool.Spawn(p, func() (int, error) { <-release; return 7, nil })
		_, err = r.TryGet()
		assert.ErrorIs(t, err, scheduler.ErrNotReady)
		cancelled, cancel := context.WithCancel(bg)
		cancel()
		_, err = r.Get(cancelled)
		assert.ErrorIs(t, err, context.Canceled)
		_, err = r.Get(testctx.Within(t, 5*ms))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var te *threadpool.Error
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "Result.Get", te.Op)

		waiter := scheduler.Spawn(func() (int, error) { return r.Get(bg) })
		require.NoError(t, scheduler.Sleep(ctx, 0)) // the waiter starts and blocks in Get
		assert.False(t, waiter.Ready())
		require.NoError(t, waiter.Kill(ctx, nil))
		assert.ErrorIs(t, waiter.ExitErr(), scheduler.ErrGreenletExit)
		close(release)
		done, err := scheduler.Wait(ctx, []*threadpool.Result[int]{r}, 1)
		require.NoError(t, err)
		require.Len(t, done, 1)
		assert.True(t, r.Successful())
		assert.Equal(t, 7, r.Value())
		v, err := r.TryGet()
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		return p.Close()
	})
}

// TestApplyContext: Apply gives up when its context ends, with the one
// timeout error; a call that had not started on a worker then is skipped,
// one that runs finishes; an Apply whose context is already done queues
// nothing, and one whose greenlet is killed skips its call too.
func TestApplyContext(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		blocker := threadpool.Spawn(p, func() (int, error) { <-release; return 0, nil }) // holds the worker
		var ran atomic.Int32
		fn := func() (int, error) { ran.Add(1); return 1, nil }

		_, err = threadpool.Apply(testctx.Within(t, 20*ms), p, fn)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var te *threadpool.Error
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "Apply", te.Op)

		cancelled, cancel := context.WithCancel(bg)
		cancel()
		_, err = threadpool.Apply(cancelled, p, fn)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 2, p.Len(), "the blocker and the timed-out call; nothing for the cancelled one")

		killed := scheduler.Spawn(func() (int, error) { return threadpool.Apply(bg, p, fn) })
		require.NoError(t, scheduler.Sleep(ctx, 0))
		require.NoError(t, killed.Kill(ctx, nil))
		assert.ErrorIs(t, killed.ExitErr(), scheduler.ErrGreenletExit)

		close(release)
		_, err = blocker.Get(ctx)
		require.NoError(t, err)
		drain(t, p)
		assert.Zero(t, ran.Load(), "the abandoned calls were skipped")

		// A call already running is not interrupted: it finishes on its worker.
		gate := make(chan struct{})
		var started, finished atomic.Bool
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		g := scheduler.Spawn(func() (int, error) {
			return threadpool.Apply(cctx, p, func() (int, error) {
				started.Store(true)
				<-gate
				finished.Store(true)
				return 0, nil
			})
		})
		waitFor(t, started.Load)
		cancel()
		require.NoError(t, g.Join(ctx))
		assert.ErrorIs(t, g.Err(), context.Canceled)
		close(gate)
		drain(t, p)
		assert.True(t, finished.Load())
		return p.Close()
	})
}

// TestMapContext: Map gives up when its context ends; the calls that had not
// started are skipped.
func TestMapContext(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		var mu sync.Mutex
		ran := map[int]bool{}
		out, err := threadpool.Map(testctx.Within(t, 20*ms), p, func(i int) (int, error) {
			mu.Lock()
			ran[i] = true
			mu.Unlock()
			if i == 0 {
				<-release
			}
			return i, nil
		}, []int{0, 1, 2})
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.Empty(t, out)
		close(release)
		drain(t, p)
		mu.Lock()
		defer mu.Unlock()
		assert.False(t, ran[1] || ran[2], "items 1 and 2, queued behind item 0, were skipped")
		return p.Close()
	})
}

func TestClose(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		var started atomic.Bool
		first := threadpool.Spawn(p, func() (int, error) { started.Store(true); <-release; return 1, nil })
		queued := threadpool.Spawn(p, func() (int, error) { return 2, nil })
		waitFor(t, started.Load)
		require.NoError(t, p.Close())
		err = p.Close()
		assert.ErrorIs(t, err, threadpool.ErrClosed)
		assert.ErrorIs(t, err, scheduler.ErrClosed)
		close(release)
		v, err := first.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		_, err = queued.Get(ctx)
		assert.ErrorIs(t, err, threadpool.ErrClosed)
		_, err = threadpool.Apply(ctx, p, func() (int, error) { return 3, nil })
		assert.ErrorIs(t, err, scheduler.ErrClosed)
		assert.EqualError(t, err, "threadpool: Apply: threadpool closed")
		return nil
	})
}

// TestCloseUnderWaiter: a Close from another goroutine fails the queued
// call an Apply waits for, with ErrClosed, and the call never runs; the
// running one finishes and delivers.
func TestCloseUnderWaiter(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		var started, ran atomic.Bool
		running := threadpool.Spawn(p, func() (int, error) { started.Store(true); <-release; return 1, nil })
		waitFor(t, started.Load)
		var applyErr error
		waiter := scheduler.Go(func() error {
			_, applyErr = threadpool.Apply(ctx, p, func() (int, error) { ran.Store(true); return 2, nil })
			return nil
		})
		waitFor(t, func() bool { return p.Len() == 2 }) // the Apply's call is queued
		closed := make(chan error)
		go func() { closed <- p.Close() }()
		require.NoError(t, <-closed)
		require.NoError(t, waiter.Join(ctx))
		assert.ErrorIs(t, applyErr, threadpool.ErrClosed)
		assert.ErrorIs(t, applyErr, scheduler.ErrClosed)
		close(release)
		v, err := running.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, v, "the running call finished and delivered")
		assert.False(t, ran.Load(), "the queued call never ran")
		return nil
	})
}

// TestForeignGoroutineRefused: the pool is hub-affine. From a plain goroutine
// Spawn, Apply and Map run nothing and report ErrNotGreenlet, a pending
// result's Get refuses to wait, Default creates no hub, and the pool still
// works from its own greenlets afterwards; a Result refused there can be
// waited on by a greenlet.
func TestForeignGoroutineRefused(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var ran atomic.Int32
		release := make(chan struct{})
		pending := threadpool.Spawn(p, func() (int, error) { <-release; return 7, nil })
		errs := map[string]error{}
		hubCreated := false
		var refused *threadpool.Result[int]
		done := make(chan struct{})
		go func() {
			defer close(done)
			errs["Apply"] = errOf(threadpool.Apply(bg, p, func() (int, error) { ran.Add(1); return 1, nil }))
			errs["Map"] = errOf(threadpool.Map(bg, p, func(i int) (int, error) { ran.Add(1); return i, nil }, []int{1, 2}))
			refused = threadpool.Spawn(p, func() (int, error) { ran.Add(1); return 1, nil })
			errs["Spawn"] = refused.Err()
			errs["Get"] = errOf(pending.Get(bg))
			errs["Default"] = errOf(threadpool.Apply(bg, threadpool.Default(), func() (int, error) { ran.Add(1); return 1, nil }))
			hubCreated = scheduler.CurrentHub() != nil
		}()
		<-done
		for name, err := range errs {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		}
		assert.Len(t, errs, 5)
		assert.False(t, hubCreated, "a refused call created a hub for the foreign goroutine")
		assert.Zero(t, ran.Load(), "a refused call ran its function")

		got, err := scheduler.Wait(ctx, []*threadpool.Result[int]{refused}, 1)
		require.NoError(t, err, "a refused Result is ready for a greenlet's wait")
		assert.Len(t, got, 1)

		close(release)
		v, err := pending.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		return p.Close()
	})
}

// TestHubGreenletRefused: in a callback, on the hub greenlet itself, the
// calls that block are refused and change nothing; Spawn, which does not
// block, works there.
func TestHubGreenletRefused(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		release := make(chan struct{})
		pending := threadpool.Spawn(p, func() (int, error) { <-release; return 1, nil })
		var ran atomic.Int32
		fn := func() (int, error) { ran.Add(1); return 2, nil }
		errs := map[string]error{}
		var spawned *threadpool.Result[int]
		scheduler.CurrentHub().RunCallback(func() {
			errs["Apply"] = errOf(threadpool.Apply(ctx, p, fn))
			errs["Map"] = errOf(threadpool.Map(ctx, p, func(int) (int, error) { return fn() }, []int{1}))
			errs["Result.Get"] = errOf(pending.Get(ctx))
			spawned = threadpool.Spawn(p, fn)
		})
		waitFor(t, func() bool { return spawned != nil })
		for name, err := range errs {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		}
		assert.Len(t, errs, 3)
		close(release)
		v, err := spawned.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.Equal(t, int32(1), ran.Load(), "only Spawn's call ran")
		return p.Close()
	})
}

// TestSpawnAfterHubDestroyed: a pool whose hub is gone says so, and so does
// a result that was pending on it, even to a greenlet of another hub (which
// would otherwise wait for a delivery that cannot come); the pool binds to
// the next hub that uses it.
func TestSpawnAfterHubDestroyed(t *testing.T) {
	var p *threadpool.ThreadPool
	var pending *threadpool.Result[int]
	release := make(chan struct{})
	run(t, func() error {
		var err error
		p, err = threadpool.New(1)
		require.NoError(t, err)
		pending = threadpool.Spawn(p, func() (int, error) { <-release; return 1, nil })
		return nil
	})
	_, err := threadpool.Apply(bg, p, func() (int, error) { return 1, nil })
	assert.ErrorIs(t, err, scheduler.ErrHubDestroyed)
	assert.ErrorIs(t, threadpool.Spawn(p, func() (int, error) { return 1, nil }).Err(), scheduler.ErrHubDestroyed)
	_, err = pending.Get(bg)
	assert.ErrorIs(t, err, scheduler.ErrHubDestroyed)
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		_, err := pending.Get(ctx)
		assert.ErrorIs(t, err, scheduler.ErrHubDestroyed)
		close(release)
		v, err := threadpool.Apply(ctx, p, func() (int, error) { return 2, nil })
		require.NoError(t, err, "the pool binds to the new hub")
		assert.Equal(t, 2, v)
		return p.Close()
	})
}

// TestZeroThreadPool: a zero ThreadPool has DefaultSize workers and binds to
// the first hub that uses it, and to the next one once that hub is gone.
func TestZeroThreadPool(t *testing.T) {
	var p threadpool.ThreadPool
	assert.Equal(t, threadpool.DefaultSize, p.Size())
	assert.Zero(t, p.Len())
	for round := range 2 {
		run(t, func() error {
			ctx := testctx.Within(t, 10*time.Second)
			out, err := threadpool.Map(ctx, &p, func(i int) (int, error) { return i + round, nil }, []int{1, 2, 3})
			require.NoError(t, err)
			assert.Equal(t, []int{1 + round, 2 + round, 3 + round}, out)
			var foreign error
			done := make(chan struct{})
			go func() {
				defer close(done)
				foreign = threadpool.Spawn(&p, func() (int, error) { return 0, nil }).Err()
			}()
			<-done
			assert.ErrorIs(t, foreign, scheduler.ErrNotGreenlet)
			return nil
		})
	}
	require.NoError(t, p.Close())
}

// TestDefaultPerHub: Default is one pool per hub.
func TestDefaultPerHub(t *testing.T) {
	var first *threadpool.ThreadPool
	run(t, func() error {
		first = threadpool.Default()
		v, err := threadpool.Apply(bg, first, func() (int, error) { return 1, nil })
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		return nil
	})
	run(t, func() error {
		second := threadpool.Default()
		assert.NotSame(t, first, second)
		v, err := threadpool.Apply(bg, second, func() (int, error) { return 2, nil })
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		return nil
	})
}

// TestDefaultAnewAfterClose: a hub's Default pool that a caller closed is made anew by the next
// Default, so the hub's other users (the resolver's zero value, fileobject's thread mode) go on;
// the closed one kept failing every call on that hub with ErrClosed.
func TestDefaultAnewAfterClose(t *testing.T) {
	run(t, func() error {
		first := threadpool.Default()
		require.NoError(t, first.Close())
		second := threadpool.Default()
		assert.NotSame(t, first, second)
		assert.Same(t, second, threadpool.Default())
		v, err := threadpool.Apply(bg, threadpool.Default(), func() (int, error) { return 3, nil })
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		_, err = threadpool.Apply(bg, first, func() (int, error) { return 0, nil })
		assert.ErrorIs(t, err, threadpool.ErrClosed, "the closed pool stays closed")
		return nil
	})
}

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// TestSchedulerCallInWorkerRefused: the function runs on a plain goroutine,
// which is no greenlet: a scheduler call there fails with ErrNotGreenlet and
// creates nothing (no hub, so no loop fd and no hub goroutine left behind).
func TestSchedulerCallInWorkerRefused(t *testing.T) {
	before := goleak.IgnoreCurrent()
	run(t, func() error {
		ctx := testctx.Within(t, 30*time.Second)
		fds := openFDs(t)
		p, err := threadpool.New(8)
		require.NoError(t, err)
		const n = 200
		type outcome struct {
			hub bool
			err error
		}
		var ran atomic.Int32
		callers := make([]*scheduler.Greenlet[outcome], n)
		for i := range callers {
			callers[i] = scheduler.Spawn(func() (outcome, error) {
				return threadpool.Apply(ctx, p, func() (outcome, error) {
					ran.Add(1)
					err := scheduler.Sleep(bg, ms)
					return outcome{hub: scheduler.CurrentHub() != nil, err: err}, nil
				})
			})
		}
		_, err = scheduler.JoinAll(ctx, callers)
		require.NoError(t, err)
		assert.Equal(t, int32(n), ran.Load())
		for i, g := range callers {
			assert.ErrorIs(t, g.Value().err, scheduler.ErrNotGreenlet, "call %d", i)
			assert.False(t, g.Value().hub, "call %d: a hub exists on the worker", i)
		}
		drain(t, p)
		require.NoError(t, p.Close())
		assert.Equal(t, fds, openFDs(t), "a worker's scheduler call opened a file descriptor")
		return nil
	})
	goleak.VerifyNone(t, before)
}

// TestNilArguments: a nil pool, function, context or items is
// ErrNilArgument from every call, never a panic.
func TestNilArguments(t *testing.T) {
	run(t, func() error {
		var nilPool *threadpool.ThreadPool
		var nilCtx context.Context
		p, err := threadpool.New(1)
		require.NoError(t, err)
		fn := func() (int, error) { return 1, nil }
		fnIn := func(i int) (int, error) { return i, nil }
		items := func(yield func(int) bool) { yield(1) }
		firstErr := func(seq func(func(int, error) bool)) error {
			var first error
			for _, err := range seq {
				if first == nil {
					first = err
				}
			}
			return first
		}
		errs := map[string]error{
			"Apply pool":         errOf(threadpool.Apply(bg, nilPool, fn)),
			"Apply fn":           errOf(threadpool.Apply[int](bg, p, nil)),
			"Apply ctx":          errOf(threadpool.Apply(nilCtx, p, fn)),
			"Map pool":           errOf(threadpool.Map(bg, nilPool, fnIn, []int{1})),
			"Map fn":             errOf(threadpool.Map[int, int](bg, p, nil, []int{1})),
			"Map ctx":            errOf(threadpool.Map(nilCtx, p, fnIn, []int{1})),
			"Spawn pool":         threadpool.Spawn(nilPool, fn).Err(),
			"Spawn fn":           threadpool.Spawn[int](p, nil).Err(),
			"ApplyAsync pool":    threadpool.ApplyAsync(nilPool, fn, nil).Err(),
			"ApplyAsync fn":      threadpool.ApplyAsync[int](p, nil, nil).Err(),
			"MapAsync pool":      threadpool.MapAsync(nilPool, fnIn, []int{1}, nil).Err(),
			"MapAsync fn":        threadpool.MapAsync[int, int](p, nil, []int{1}, nil).Err(),
			"Imap pool":          firstErr(threadpool.Imap(bg, nilPool, fnIn, items)),
			"Imap fn":            firstErr(threadpool.Imap[int, int](bg, p, nil, items)),
			"Imap ctx":           firstErr(threadpool.Imap(nilCtx, p, fnIn, items)),
			"Imap items":         firstErr(threadpool.Imap(bg, p, fnIn, nil)),
			"ImapUnordered pool": firstErr(threadpool.ImapUnordered(bg, nilPool, fnIn, items)),
			"Close":              nilPool.Close(),
			"Result.Get":         errOf((*threadpool.Result[int])(nil).Get(bg)),
			"Result.Get ctx":     errOf(threadpool.Spawn(p, fn).Get(nilCtx)),
			"Result.TryGet":      errOf((*threadpool.Result[int])(nil).TryGet()),
		}
		for name, err := range errs {
			assert.ErrorIs(t, err, scheduler.ErrNilArgument, name)
		}
		assert.Zero(t, nilPool.Len())
		assert.Zero(t, nilPool.Size())
		var nilResult *threadpool.Result[int]
		assert.False(t, nilResult.Ready())
		assert.Zero(t, nilResult.Rawlink(func(scheduler.Linkable) {}))
		drain(t, p)
		return p.Close()
	})
}

// A function that calls runtime.Goexit (t.FailNow in a test, say) ends its
// worker goroutine past every recover: the caller still gets ErrGoexit, and
// the pool keeps its worker.
func TestGoexitInFunction(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(1)
		require.NoError(t, err)
		defer p.Close()
		_, err = threadpool.Apply(testctx.Within(t, 5*time.Second), p, func() (int, error) {
			runtime.Goexit()
			return 1, nil
		})
		assert.ErrorIs(t, err, scheduler.ErrGoexit)
		v, err := threadpool.Apply(testctx.Within(t, 5*time.Second), p, func() (int, error) { return 7, nil })
		require.NoError(t, err, "the pool's only worker is lost")
		assert.Equal(t, 7, v)
		return nil
	})
}
