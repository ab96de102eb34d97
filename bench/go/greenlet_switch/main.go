// Command greenlet_switch is the plain-Go counterpart of a raw greenlet
// switch: a ping-pong between two goroutines over unbuffered channels.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(1000000)
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	t0 := time.Now()
	for range n {
		ping <- struct{}{}
		<-pong
	}
	benchio.Emit("greenlet_switch", "ns/op", benchio.PerOp(time.Since(t0), n))
	close(ping)
}
