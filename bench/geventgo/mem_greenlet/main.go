// Command mem_greenlet measures the resident memory of a suspended raw
// greenlet: RSS growth for 100k greenlets each switched into once and parked
// back in main; then kills them all.
package main

import (
	"runtime"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/greenlet"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(100000)
	m := greenlet.Current()
	defer m.Close()
	runtime.GC()
	before, err := benchio.RSS()
	if err != nil {
		benchio.Fail(err)
	}
	gs := make([]*greenlet.Greenlet, n)
	for i := range gs {
		gs[i] = greenlet.New(func(v any) (any, error) { return m.Switch(v) })
		if _, err := gs[i].Switch(nil); err != nil {
			benchio.Fail(err)
		}
	}
	after, err := benchio.RSS()
	if err != nil {
		benchio.Fail(err)
	}
	benchio.Emit("mem_greenlet", "B/greenlet", float64(after-before)/float64(n))
	if err := m.KillAll(); err != nil {
		benchio.Fail(err)
	}
}
