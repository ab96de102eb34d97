// Command async_send is the plain-Go counterpart of waking a loop from
// another goroutine and waiting for its acknowledgement: a channel round
// trip between two goroutines.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(200000)
	wake, ack := make(chan struct{}), make(chan struct{})
	go func() {
		for range wake {
			ack <- struct{}{}
		}
	}()
	t0 := time.Now()
	for range n {
		wake <- struct{}{}
		<-ack
	}
	benchio.Emit("async_send", "ns/op", benchio.PerOp(time.Since(t0), n))
	close(wake)
}
