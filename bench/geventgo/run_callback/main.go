// Command run_callback measures Hub.RunCallback: batches of 1000 callbacks
// drained by the hub, the caller resuming behind them with Sleep(0).
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/scheduler"
)

const batch = 1000

func main() {
	defer benchio.StartProfile()()
	batches := benchio.N(50000)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		hub := scheduler.CurrentHub()
		count := 0
		cb := func() { count++ }
		t0 := time.Now()
		for range batches {
			for range batch {
				if _, err := hub.RunCallback(cb); err != nil {
					return err
				}
			}
			if err := scheduler.Sleep(ctx, 0); err != nil {
				return err
			}
		}
		elapsed := time.Since(t0)
		if count != batches*batch {
			return fmt.Errorf("ran %d of %d callbacks", count, batches*batch)
		}
		benchio.Emit("run_callback", "ns/op", benchio.PerOp(elapsed, batches*batch))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
