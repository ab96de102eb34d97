// Command hub_roundtrip measures one greenlet yielding to the hub with
// scheduler.Sleep(ctx, 0), N times: a run_callback plus two switches (the
// context is Background: no deadline, so no timer).
package main

import (
	"context"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/scheduler"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(2000000)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		t0 := time.Now()
		for range n {
			if err := scheduler.Sleep(ctx, 0); err != nil {
				return err
			}
		}
		benchio.Emit("hub_roundtrip", "ns/op", benchio.PerOp(time.Since(t0), n))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
