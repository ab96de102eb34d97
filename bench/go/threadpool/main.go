// Command threadpool is the plain-Go counterpart of geventgo's threadpool
// rows: 4 worker goroutines take calls from a channel and answer on the
// caller's channel. apply: one call at a time; spawn: batches of 1000 calls
// queued at once, then each answer collected; per call.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

const (
	workers = 4
	batch   = 1000
)

type call struct {
	x   int
	out chan int
}

func main() {
	n := benchio.N(200000)
	calls := make(chan call, batch)
	for range workers {
		go func() {
			for c := range calls {
				c.out <- 2 * c.x
			}
		}()
	}
	defer close(calls)

	out := make(chan int, 1)
	t0 := time.Now()
	for i := range n {
		calls <- call{x: i, out: out}
		<-out
	}
	benchio.Emit("threadpool_apply", "ns/op", benchio.PerOp(time.Since(t0), n))

	rounds := max(1, n/batch)
	outs := make([]chan int, batch)
	for i := range outs {
		outs[i] = make(chan int, 1)
	}
	t0 = time.Now()
	for range rounds {
		for i, o := range outs {
			calls <- call{x: i, out: o}
		}
		for _, o := range outs {
			<-o
		}
	}
	benchio.Emit("threadpool_spawn", "ns/op", benchio.PerOp(time.Since(t0), rounds*batch))
}
