package threadpool_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// workers counts the goroutines running p's workers (any pool's: a test runs one pool at a time).
func workers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return bytes.Count(buf, []byte("threadpool.(*ThreadPool).worker("))
}

// recv waits up to 10s for a value from ch.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		require.FailNow(t, "nothing received in 10s")
		panic("unreachable")
	}
}

// TestSetSizeInvalid: a size below 1 (or a nil pool) is an error naming the call, and changes
// nothing; any size is fine on a closed pool, where only Size changes.
func TestSetSizeInvalid(t *testing.T) {
	p, err := threadpool.New(3)
	require.NoError(t, err)
	for _, n := range []int{0, -1} {
		err := p.SetSize(n)
		assert.ErrorIs(t, err, threadpool.ErrInvalidSize, n)
		var te *threadpool.Error
		require.ErrorAs(t, err, &te)
		assert.Contains(t, te.Op, "ThreadPool.SetSize")
	}
	assert.EqualError(t, p.SetSize(0), "threadpool: ThreadPool.SetSize(0): threadpool size must be at least 1")
	assert.Equal(t, 3, p.Size())
	assert.ErrorIs(t, (*threadpool.ThreadPool)(nil).SetSize(2), scheduler.ErrNilArgument)

	var zero threadpool.ThreadPool
	require.NoError(t, zero.SetSize(2))
	assert.Equal(t, 2, zero.Size())
	require.NoError(t, p.Close())
	require.NoError(t, p.SetSize(5))
	assert.Equal(t, 5, p.Size())
}

// TestSetSizeGrowStartsQueued: growing the pool, here from a plain goroutine, starts the queued
// calls on new workers at once, while the first call still holds the only old worker.
func TestSetSizeGrowStartsQueued(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(1)
		require.NoError(t, err)
		gate := make(chan struct{})
		started := make(chan int, 4)
		rs := make([]*threadpool.Result[int], 4)
		for i := range rs {
			rs[i] = threadpool.Spawn(p, func() (int, error) { started <- i; <-gate; return i, nil })
		}
		assert.Equal(t, 0, recv(t, started))
		grown := make(chan error)
		go func() { grown <- p.SetSize(4) }()
		require.NoError(t, recv(t, grown))
		assert.Equal(t, 4, p.Size())
		seen := map[int]bool{}
		for range 3 {
			seen[recv(t, started)] = true
		}
		assert.Equal(t, map[int]bool{1: true, 2: true, 3: true}, seen)
		close(gate)
		for i, r := range rs {
			v, err := r.Get(ctx)
			require.NoError(t, err)
			assert.Equal(t, i, v)
		}
		return p.Close()
	})
}

// TestSetSizeShrink: shrinking interrupts none of the calls running; as they return their
// workers end until only the new size is left, so the queued calls then run one at a time.
func TestSetSizeShrink(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(4)
		require.NoError(t, err)
		first, queued := make(chan struct{}), make(chan struct{})
		started := make(chan int, 6)
		rs := make([]*threadpool.Result[int], 6)
		for i := range rs {
			gate := first
			if i >= 4 {
				gate = queued
			}
			rs[i] = threadpool.Spawn(p, func() (int, error) { started <- i; <-gate; return i, nil })
		}
		for range 4 {
			assert.Less(t, recv(t, started), 4)
		}
		require.NoError(t, p.SetSize(1))
		assert.Equal(t, 1, p.Size())
		assert.Equal(t, 6, p.Len(), "the running calls go on")
		close(first)
		assert.Equal(t, 4, recv(t, started), "a queued call starts as the running ones return")
		eventually(t, func() bool { return workers() == 1 })
		assert.Equal(t, 2, p.Len(), "one running, one queued behind it")
		select {
		case i := <-started:
			assert.Fail(t, "a second call started on the shrunk pool", "call %d", i)
		default:
		}
		close(queued)
		assert.Equal(t, 5, recv(t, started))
		for i, r := range rs {
			v, err := r.Get(ctx)
			require.NoError(t, err)
			assert.Equal(t, i, v)
		}
		return p.Close()
	})
}

// TestSetSizeShrinkPastGoexit: a worker whose function ended it with runtime.Goexit is replaced
// only while the pool has room, so a shrink holds there too.
func TestSetSizeShrinkPastGoexit(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		p, err := threadpool.New(2)
		require.NoError(t, err)
		exit, gate := make(chan struct{}), make(chan struct{})
		started := make(chan string, 3)
		goexits := threadpool.Spawn(p, func() (int, error) { started <- "goexit"; <-exit; runtime.Goexit(); return 0, nil })
		holds := threadpool.Spawn(p, func() (int, error) { started <- "holds"; <-gate; return 1, nil })
		queued := threadpool.Spawn(p, func() (int, error) { started <- "queued"; return 2, nil })
		assert.ElementsMatch(t, []string{"goexit", "holds"}, []string{recv(t, started), recv(t, started)})
		require.NoError(t, p.SetSize(1))
		close(exit)
		_, err = goexits.Get(ctx)
		require.ErrorIs(t, err, scheduler.ErrGoexit)
		eventually(t, func() bool { return workers() == 1 })
		select {
		case s := <-started:
			assert.Fail(t, "a call started beside the running one on the shrunk pool", s)
		default:
		}
		close(gate)
		assert.Equal(t, "queued", recv(t, started))
		for _, r := range []*threadpool.Result[int]{holds, queued} {
			_, err := r.Get(ctx)
			require.NoError(t, err)
		}
		return p.Close()
	})
}
