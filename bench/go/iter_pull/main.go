// Command iter_pull measures the floor under every greenlet switch: a bare
// iter.Pull next/yield round trip (two coroswitches), and the same round
// trip with one function call between each side's code and next or yield,
// the least any switch API built on iter.Pull adds: after a coroutine
// switch the CPU mispredicts every return the resumed side makes, one per
// frame between its code and the switch.
package main

import (
	"iter"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(3000000)
	benchio.Emit("iter_pull", "ns/op", bare(n))
	benchio.Emit("iter_pull_framed", "ns/op", framed(n))
}

// bare is n next/yield round trips, per round trip.
func bare(n int) float64 {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	})
	defer stop()
	t0 := time.Now()
	for range n {
		next()
	}
	return benchio.PerOp(time.Since(t0), n)
}

// framed is bare with callNext and callYield between the loops and the
// switch.
func framed(n int) float64 {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; callYield(yield, i); i++ {
		}
	})
	defer stop()
	t0 := time.Now()
	for range n {
		callNext(next)
	}
	return benchio.PerOp(time.Since(t0), n)
}

//go:noinline
func callNext(next func() (int, bool)) { next() }

//go:noinline
func callYield(yield func(int) bool, i int) bool { return yield(i) }
