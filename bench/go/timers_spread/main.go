// Command timers_spread is the plain-Go counterpart of 100k timers spread
// over 10 ms: time.AfterFunc per timer, waiting for the last to fire.
package main

import (
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

const timers = 100000

func main() {
	rounds := benchio.N(2)
	t0 := time.Now()
	for range rounds {
		var wg sync.WaitGroup
		wg.Add(timers)
		for i := range timers {
			time.AfterFunc(time.Duration(int64(i)*int64(10*time.Millisecond)/timers), wg.Done)
		}
		wg.Wait()
	}
	benchio.Emit("timers_spread", "ns/op", benchio.PerOp(time.Since(t0), rounds*timers))
}
