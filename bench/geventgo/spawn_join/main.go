// Command spawn_join measures spawn + join of trivial greenlets, in batches
// of 1000 spawned then joined with JoinAll; per greenlet.
package main

import (
	"context"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/scheduler"
)

const batch = 1000

func noop() error { return nil }

func main() {
	defer benchio.StartProfile()()
	batches := benchio.N(500)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		gs := make([]*scheduler.Greenlet[struct{}], batch)
		t0 := time.Now()
		for range batches {
			for i := range gs {
				gs[i] = scheduler.Go(noop)
			}
			if _, err := scheduler.JoinAll(ctx, gs); err != nil {
				return err
			}
		}
		benchio.Emit("spawn_join", "ns/op", benchio.PerOp(time.Since(t0), batches*batch))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
