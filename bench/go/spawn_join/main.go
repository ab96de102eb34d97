// Command spawn_join is the plain-Go counterpart of spawn+join: batches of
// 1000 trivial goroutines started and waited for with a WaitGroup.
package main

import (
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

const batch = 1000

func main() {
	batches := benchio.N(1000)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range batches {
		for range batch {
			wg.Add(1)
			go wg.Done()
		}
		wg.Wait()
	}
	benchio.Emit("spawn_join", "ns/op", benchio.PerOp(time.Since(t0), batches*batch))
}
