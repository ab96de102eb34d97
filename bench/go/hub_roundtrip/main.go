// Command hub_roundtrip is the plain-Go counterpart of one greenlet yielding
// to the hub: a goroutine yielding to the scheduler with runtime.Gosched.
package main

import (
	"runtime"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(3000000)
	t0 := time.Now()
	for range n {
		runtime.Gosched()
	}
	benchio.Emit("hub_roundtrip", "ns/op", benchio.PerOp(time.Since(t0), n))
}
