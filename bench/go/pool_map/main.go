// Command pool_map is the plain-Go counterpart of Pool(100).map over 100k
// items: 100 worker goroutines fed by a channel, results kept in order.
package main

import (
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

const workers = 100

func double(x int) int { return 2 * x }

func main() {
	// As many rounds as bench/geventgo/pool_map: the first round is cold (memory faulted in,
	// pools grown), so equal counts spread it alike.
	rounds := benchio.N(10)
	const items = 100000
	t0 := time.Now()
	for range rounds {
		out := make([]int, items)
		jobs := make(chan int, workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range jobs {
					out[i] = double(i)
				}
			})
		}
		for i := range items {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		if out[items-1] != 2*(items-1) {
			benchio.Fail(nil)
		}
	}
	benchio.Emit("pool_map", "ns/op", benchio.PerOp(time.Since(t0), rounds*items))
}
