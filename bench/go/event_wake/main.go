// Command event_wake is the plain-Go counterpart of an Event waking 10k
// waiters: 10k goroutines blocked on a channel that is closed; from close
// until the last has run.
package main

import (
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

const waiters = 10000

func main() {
	rounds := benchio.N(15)
	var total time.Duration
	for range rounds {
		ev := make(chan struct{})
		var parked, done sync.WaitGroup
		parked.Add(waiters)
		done.Add(waiters)
		for range waiters {
			go func() {
				parked.Done()
				<-ev
				done.Done()
			}()
		}
		parked.Wait()
		t0 := time.Now()
		close(ev)
		done.Wait()
		total += time.Since(t0)
	}
	benchio.Emit("event_wake", "ns/op", benchio.PerOp(total, rounds*waiters))
}
