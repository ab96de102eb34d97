// Command channel is the plain-Go counterpart of a Channel rendezvous: an
// unbuffered channel between a producer and a consumer goroutine.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(2000000)
	ch := make(chan int)
	go func() {
		for i := range n {
			ch <- i
		}
		close(ch)
	}()
	t0 := time.Now()
	for range ch {
	}
	benchio.Emit("channel", "ns/op", benchio.PerOp(time.Since(t0), n))
}
