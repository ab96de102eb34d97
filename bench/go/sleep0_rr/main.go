// Command sleep0_rr is the plain-Go counterpart of sleep(0) round-robin:
// 1000 goroutines each calling runtime.Gosched k times.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

const goroutines = 1000

func main() {
	k := benchio.N(1000)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range goroutines {
		wg.Go(func() {
			for range k {
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	benchio.Emit("sleep0_rr", "ns/op", benchio.PerOp(time.Since(t0), k*goroutines))
}
