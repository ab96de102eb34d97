// Command timer_chain measures one zero-delay cev.Timer re-armed from its own
// callback, N times: libev's timer path plus geventgo's queued dispatch.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/cev"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(1000000) // 1M re-arms
	loop, err := cev.NewLoop()
	if err != nil {
		benchio.Fail(err)
	}
	defer loop.Destroy()
	count := 0
	t, err := loop.NewTimer(0, 0, func(w *cev.Timer, _ int) {
		count++
		if count < n {
			if err := w.Set(0, 0); err != nil {
				benchio.Fail(err)
			}
			if err := w.Start(); err != nil {
				benchio.Fail(err)
			}
		}
	})
	if err != nil {
		benchio.Fail(err)
	}
	t0 := time.Now()
	if err := t.Start(); err != nil {
		benchio.Fail(err)
	}
	if _, err := loop.Run(0); err != nil {
		benchio.Fail(err)
	}
	if count != n {
		benchio.Fail(nil)
	}
	benchio.Emit("timer_chain", "ns/op", benchio.PerOp(time.Since(t0), n))
}
