// Command async_send measures a goroutine waking the loop with Async.Send
// and waiting until the loop's callback acknowledges; per round trip.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/cev"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(10000)
	loop, err := cev.NewLoop()
	if err != nil {
		benchio.Fail(err)
	}
	defer loop.Destroy()
	ack := make(chan struct{}, 1)
	count := 0
	as, err := loop.NewAsync(func(*cev.Async, int) {
		count++
		ack <- struct{}{}
		if count >= n {
			if err := loop.Break(cev.EVBREAK_ALL); err != nil {
				benchio.Fail(err)
			}
		}
	})
	if err != nil {
		benchio.Fail(err)
	}
	if err := as.Start(); err != nil {
		benchio.Fail(err)
	}
	t0 := time.Now()
	go func() {
		for range n {
			if err := as.Send(); err != nil {
				benchio.Fail(err)
			}
			<-ack
		}
	}()
	if _, err := loop.Run(0); err != nil {
		benchio.Fail(err)
	}
	benchio.Emit("async_send", "ns/op", benchio.PerOp(time.Since(t0), n))
}
