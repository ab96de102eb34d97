// Command hub_roundtrip is the plain-Go counterpart of one greenlet yielding
// to the hub: two goroutines alternating with runtime.Gosched, each yield
// handing the P to the other (a ping-pong at GOMAXPROCS=1, where the runner
// puts the Go P1 column); per Gosched.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(3000000)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 2 {
		wg.Go(func() {
			for range n / 2 {
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	benchio.Emit("hub_roundtrip", "ns/op", benchio.PerOp(time.Since(t0), n/2*2))
}
