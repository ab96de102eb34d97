// Command event_wake measures an event.Event waking 10k waiting greenlets:
// from Set until the last waiter has run; per waiter.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

const waiters = 10000

func main() {
	rounds := benchio.N(15)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		var total time.Duration
		gs := make([]*scheduler.Greenlet[struct{}], waiters)
		for range rounds {
			var ev, done event.Event
			left := waiters
			for i := range gs {
				gs[i] = scheduler.Go(func() error {
					if err := ev.Wait(ctx); err != nil {
						return err
					}
					left--
					if left == 0 {
						done.Set()
					}
					return nil
				})
			}
			// Every waiter runs up to ev.Wait before this greenlet resumes.
			if err := scheduler.Sleep(ctx, 0); err != nil {
				return err
			}
			if ev.LinkCount() != waiters {
				return fmt.Errorf("%d of %d waiters parked", ev.LinkCount(), waiters)
			}
			// A profile covers the window alone: spawning the waiters and their first wait
			// (fresh stacks growing, the GC that spawning provokes) are not what is timed.
			stop := benchio.ProfileWindow()
			t0 := time.Now()
			ev.Set()
			if err := done.Wait(ctx); err != nil {
				return err
			}
			total += time.Since(t0)
			stop()
			if _, err := scheduler.JoinAll(ctx, gs); err != nil {
				return err
			}
		}
		benchio.Emit("event_wake", "ns/op", benchio.PerOp(total, rounds*waiters))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
