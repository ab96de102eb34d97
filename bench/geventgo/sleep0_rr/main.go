// Command sleep0_rr measures sleep(0) round-robin over 1000 greenlets, each
// yielding k times; per Sleep(0).
package main

import (
	"context"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/scheduler"
)

const greenlets = 1000

func main() {
	defer benchio.StartProfile()()
	k := benchio.N(1000)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		t0 := time.Now()
		gs := make([]*scheduler.Greenlet[struct{}], greenlets)
		for i := range gs {
			gs[i] = scheduler.Go(func() error {
				for range k {
					if err := scheduler.Sleep(ctx, 0); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if _, err := scheduler.JoinAll(ctx, gs); err != nil {
			return err
		}
		benchio.Emit("sleep0_rr", "ns/op", benchio.PerOp(time.Since(t0), k*greenlets))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
