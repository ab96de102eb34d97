// Command timer_chain is the plain-Go counterpart of a zero-delay timer
// re-armed from its callback: one time.Timer reset to 0 each time it fires.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(1000000)
	t0 := time.Now()
	t := time.NewTimer(0)
	for i := 0; i < n; i++ {
		<-t.C
		t.Reset(0)
	}
	benchio.Emit("timer_chain", "ns/op", benchio.PerOp(time.Since(t0), n))
}
