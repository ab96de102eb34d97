package threadpool

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
)

// A function that ends its worker with runtime.Goexit has its result delivered only once the
// worker stopped counting it as busy, as a function that returns does: a caller that got the
// result could see Len() == 1 for a call that was over, against Len's doc (seen 2 times in 2000
// at GOMAXPROCS=4). The test holds the pool's lock while the worker unwinds: once the worker
// waits for that lock, a hub callback posted then runs after any delivery posted before it, and
// finds the result not ready yet.
func TestGoexitDeliversAfterBusyDrops(t *testing.T) {
	p, err := New(1)
	require.NoError(t, err)
	defer func() { _ = p.Close() }()
	exiting, proceed := make(chan struct{}), make(chan struct{})
	require.NoError(t, scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r := Spawn(p, func() (int, error) {
			close(exiting)
			<-proceed
			runtime.Goexit()
			return 0, nil
		})
		h := scheduler.CurrentHub()
		readyUnderLock := make(chan bool, 1)
		go func() {
			<-exiting
			p.mu.Lock()
			defer p.mu.Unlock()
			close(proceed)
			if !waitWorkerLocking(ctx) {
				readyUnderLock <- true // reported below as a worker that never came to the lock
				return
			}
			marker := make(chan struct{})
			if h.Post(func() { close(marker) }) == nil {
				<-marker
			}
			readyUnderLock <- r.Ready()
		}()
		_, err := r.Get(ctx)
		require.ErrorIs(t, err, scheduler.ErrGoexit)
		// Off the hub: the goroutine may still need the hub for its marker.
		early, err := scheduler.RunBlocking(ctx, func() (bool, error) { return <-readyUnderLock, nil })
		require.NoError(t, err)
		assert.False(t, early, "the result was delivered while the worker still counted it busy")
		assert.Equal(t, 0, p.Len())
		return nil
	}))
}

// waitWorkerLocking polls the goroutine stacks until a worker's deferred call waits for the pool's
// lock, or ctx ends (false).
func waitWorkerLocking(ctx context.Context) bool {
	buf := make([]byte, 1<<20)
	for ctx.Err() == nil {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "sync.(*Mutex).Lock") && strings.Contains(g, "(*ThreadPool).worker.func1") {
				return true
			}
		}
		runtime.Gosched()
	}
	return false
}
