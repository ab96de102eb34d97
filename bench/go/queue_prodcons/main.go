// Command queue_prodcons is the plain-Go counterpart of a Queue(maxsize=128)
// producer/consumer: a buffered channel of capacity 128.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(5000000)
	q := make(chan int, 128)
	go func() {
		for i := range n {
			q <- i
		}
		close(q)
	}()
	t0 := time.Now()
	got := 0
	for range q {
		got++
	}
	if got != n {
		benchio.Fail(nil)
	}
	benchio.Emit("queue_prodcons", "ns/op", benchio.PerOp(time.Since(t0), n))
}
