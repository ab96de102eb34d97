// Command idle measures N activations of one cev.Idle watcher.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/cev"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(1000000) // 1M activations
	loop, err := cev.NewLoop()
	if err != nil {
		benchio.Fail(err)
	}
	defer loop.Destroy()
	count := 0
	idle, err := loop.NewIdle(func(w *cev.Idle, _ int) {
		count++
		if count >= n {
			if err := w.Stop(); err != nil {
				benchio.Fail(err)
			}
		}
	})
	if err != nil {
		benchio.Fail(err)
	}
	if err := idle.Start(); err != nil {
		benchio.Fail(err)
	}
	t0 := time.Now()
	if _, err := loop.Run(0); err != nil {
		benchio.Fail(err)
	}
	benchio.Emit("idle", "ns/op", benchio.PerOp(time.Since(t0), n))
}
