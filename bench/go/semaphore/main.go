// Command semaphore is the plain-Go counterpart of two greenlets contending
// a Semaphore with sleep(0) inside: two goroutines contending a sync.Mutex,
// yielding with runtime.Gosched while holding it.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	k := benchio.N(600000)
	var mu sync.Mutex
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 2 {
		wg.Go(func() {
			for range k {
				mu.Lock()
				runtime.Gosched()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	benchio.Emit("semaphore", "ns/op", benchio.PerOp(time.Since(t0), 2*k))
}
