// Command timers_spread measures 100k one-shot cev.Timers whose deadlines
// are spread evenly over 10 ms, run until the last fires; per timer.
package main

import (
	"fmt"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/cev"
)

const timers = 100000

func main() {
	defer benchio.StartProfile()()
	// As many rounds as bench/c/timers_spread.c: the first round is cold (memory faulted in,
	// pools grown), so equal counts spread it alike.
	rounds := benchio.N(20)
	loop, err := cev.NewLoop()
	if err != nil {
		benchio.Fail(err)
	}
	defer loop.Destroy()
	fired := 0
	cb := func(*cev.Timer, int) { fired++ }
	ws := make([]*cev.Timer, timers)
	for i := range ws {
		if ws[i], err = loop.NewTimer(0.010*float64(i)/timers, 0, cb); err != nil {
			benchio.Fail(err)
		}
	}
	t0 := time.Now()
	for range rounds {
		if err := loop.UpdateNow(); err != nil {
			benchio.Fail(err)
		}
		for i, w := range ws {
			if err := w.Set(0.010*float64(i)/timers, 0); err != nil {
				benchio.Fail(err)
			}
			if err := w.Start(); err != nil {
				benchio.Fail(err)
			}
		}
		if _, err := loop.Run(0); err != nil {
			benchio.Fail(err)
		}
	}
	if fired != rounds*timers {
		benchio.Fail(fmt.Errorf("fired %d of %d", fired, rounds*timers))
	}
	benchio.Emit("timers_spread", "ns/op", benchio.PerOp(time.Since(t0), rounds*timers))
}
