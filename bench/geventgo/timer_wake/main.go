// Command timer_wake measures a greenlet woken by a zero-delay timer through
// the hub (gevent's hub.wait(loop.timer(0))), N times: libev's timer path,
// the queued dispatch and two switches.
package main

import (
	"context"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(200000)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		hub := scheduler.CurrentHub()
		k := scheduler.NewWaker()
		t, err := hub.Loop().NewTimer(0, 0, func(_ *cev.Timer, revents int) { k.Fire(revents) })
		if err != nil {
			return err
		}
		defer t.Close()
		t0 := time.Now()
		for range n {
			if _, err := hub.Wait(ctx, t, k, "timer"); err != nil {
				return err
			}
		}
		benchio.Emit("timer_wake", "ns/op", benchio.PerOp(time.Since(t0), n))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
