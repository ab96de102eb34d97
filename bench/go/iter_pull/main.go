// Command iter_pull measures the floor under every greenlet switch: a bare
// iter.Pull next/yield round trip (two coroswitches), and the same round
// trip with one function call between each side's code and next or yield,
// the least any switch API built on iter.Pull adds: after a coroutine
// switch the CPU mispredicts every return the resumed side makes, one per
// frame between its code and the switch. The cold round trip goes to each of
// 10k parked coroutines in turn, as an Event waking 10k waiters does: the
// floor when the resumed coroutine's stack and goroutine are out of cache.
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
	benchio.Emit("iter_pull_cold", "ns/op", cold(max(1, n/parked)))
}

// parked is how many coroutines the cold round trip cycles through.
const parked = 10000

// cold is rounds passes of one next/yield round trip into each of parked
// coroutines, each parked at a yield; per round trip.
func cold(rounds int) float64 {
	nexts := make([]func() (int, bool), parked)
	for i := range nexts {
		next, stop := iter.Pull(func(yield func(int) bool) {
			for yield(i) {
			}
		})
		defer stop()
		next() // parked at its first yield, as a waiter is
		nexts[i] = next
	}
	t0 := time.Now()
	for range rounds {
		for _, next := range nexts {
			next()
		}
	}
	return benchio.PerOp(time.Since(t0), rounds*parked)
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
