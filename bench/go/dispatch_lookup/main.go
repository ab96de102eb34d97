// Command dispatch_lookup compares the two ways a queued libev event can
// find its Go watcher: cev's slot table (an integer slot
// in watcher->data, a slice index plus a generation check) against
// github.com/mattn/go-pointer (a C-safe token from Save, looked up with
// Restore under a global lock). It reports ns per event for each, over 1024
// live watchers visited in a scattered order, as a busy loop would.
package main

import (
	"time"
	"unsafe"

	pointer "github.com/mattn/go-pointer"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

type watcher struct {
	gen   uint32
	fired int
}

const watchers = 1024

func main() {
	n := benchio.N(10000000)
	ws := make([]*watcher, watchers)
	tokens := make([]unsafe.Pointer, watchers)
	for i := range ws {
		ws[i] = &watcher{gen: uint32(i)}
		tokens[i] = pointer.Save(ws[i])
	}
	defer func() {
		for _, p := range tokens {
			pointer.Unref(p)
		}
	}()
	// A fixed scattered visiting order, the same for both lookups.
	order := make([]uint32, 4096)
	x := uint32(12345)
	for i := range order {
		x = x*1664525 + 1013904223
		order[i] = x % watchers
	}

	t0 := time.Now()
	for i := range n {
		slot := order[i&4095]
		if w := ws[slot]; w != nil && w.gen == slot {
			w.fired++
		}
	}
	slotNs := benchio.PerOp(time.Since(t0), n)

	m := n / 10 // Restore takes a lock; fewer rounds keep the run short
	t0 = time.Now()
	for i := range m {
		if w, ok := pointer.Restore(tokens[order[i&4095]]).(*watcher); ok {
			w.fired++
		}
	}
	gpNs := benchio.PerOp(time.Since(t0), m)

	benchio.Emit("lookup_slot", "ns/op", slotNs)
	benchio.Emit("lookup_gopointer", "ns/op", gpNs)
}
