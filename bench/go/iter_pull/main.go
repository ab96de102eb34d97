// Command iter_pull measures the floor under every greenlet switch: a bare
// iter.Pull next/yield round trip (two coroswitches).
package main

import (
	"iter"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(3000000)
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	})
	defer stop()
	t0 := time.Now()
	for range n {
		next()
	}
	benchio.Emit("iter_pull", "ns/op", benchio.PerOp(time.Since(t0), n))
}
